"""Rempart: the regional cybersecurity platform for health establishments."""

__version__ = "0.1.0"
