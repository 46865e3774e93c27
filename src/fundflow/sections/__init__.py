"""Report sections and their registry."""
