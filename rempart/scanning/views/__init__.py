"""HTML views of the scanning app, one module per resource."""
