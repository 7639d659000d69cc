"""Shared kernel: base models, tenant queryset, errors, crypto, HTMX helpers. No domain models."""
