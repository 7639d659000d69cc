"""The demo region, loaded the first time `rempart run` starts on an empty platform.

`region.py` (establishments and accounts), `network.py` and `nmapxml.py` (what the scans
see), `scans.py`, `phishing.py`, `webhooks.py` and `jobs.py` (one module per app it calls,
through that app's services), `clock.py` (the history's moments), `loader.py` (the order).
The catalog snapshot and its sources are in `fixtures/` (rebuilt by
`tools/build_demo_catalog.py`). See docs/operations.md, "Demo region".
"""

from rempart.ops.demo.loader import DemoAccounts, demo_load, demo_needed
from rempart.ops.demo.region import ESTABLISHMENTS, MEMBERS, accounts_table

__all__ = [
    "ESTABLISHMENTS",
    "MEMBERS",
    "DemoAccounts",
    "accounts_table",
    "demo_load",
    "demo_needed",
]
