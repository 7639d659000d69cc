"""The remote probe: a small agent that runs the scan engine on a member site.

It imports only the engine, the standard library and `cryptography`: no Django, no
database (checked by tools/check_engine_isolation.py). It talks to the centre outbound
only, signing every request (docs/adr/0005-probe-authentication.md).
"""

PROBE_VERSION = "0.1.0"
