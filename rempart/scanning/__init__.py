"""Vulnerability detection: scopes, scans, assets and the findings lifecycle."""
