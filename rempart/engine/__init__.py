"""The scan engine: a pure-Python package with no Django import.

Given a `ScanJob` (targets, exclusions, ports, policy, rate limits) it runs nmap for
discovery and service detection, then native checks, and returns a versioned
`ScanResult` (JSON). The central worker and every remote probe run the same engine.
"""

ENGINE_VERSION = "0.1.0"
RESULT_SCHEMA_VERSION = 1
