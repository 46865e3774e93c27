"""Pure metric functions on canonical frames (no I/O, no plotting, no formatting)."""
