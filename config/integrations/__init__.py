"""Settings of third-party integrations, one module each, imported by config.settings."""
