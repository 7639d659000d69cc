"""Tenancy: operator, groups, establishments, memberships and the access module."""
