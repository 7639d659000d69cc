"""Writes of the scanning app, one module per sub-domain."""
