"""Operating the platform: first set-up, demo region, run, backup and restore, deploy checks."""
