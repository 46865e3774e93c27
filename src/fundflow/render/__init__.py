"""Rendering: Jinja environment, HTML and PDF (the only module that imports weasyprint)."""
