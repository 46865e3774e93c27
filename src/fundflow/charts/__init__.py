"""Charts: one style, functions that return matplotlib Figures, one place that saves them."""
