"""Audit log: append-only, hash-chained record of every change and sensitive read."""
