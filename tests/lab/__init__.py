"""The network lab: real daemons with planted weaknesses in network namespaces.

See `lab.Lab` (the builder), `hosts.HOSTS` (what runs where, and the findings a scan must
report) and `fixtures` (the session-scoped pytest fixture `lab`). Needs root and iproute2;
`python -m tests.lab` starts it by hand.
"""

from tests.lab.lab import Capture, Lab
from tests.lab.plumbing import LabError, LabUnavailableError

__all__ = ["Capture", "Lab", "LabError", "LabUnavailableError"]
