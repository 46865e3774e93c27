"""fundflow: weekly A-share fund-flow research reports (HTML + PDF) from akshare data."""

__version__ = "0.1.0"
