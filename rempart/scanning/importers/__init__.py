"""Importers of other tools' reports into engine results (one module per format)."""
