"""Declared inventory of each establishment (business software, infrastructure, security
tooling), the regional catalogue of common hospital software, and their matching against
the vulnerability catalog."""
