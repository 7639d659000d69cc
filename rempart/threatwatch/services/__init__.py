"""Services of the threat-watch app."""
