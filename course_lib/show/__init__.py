"""Layer 5, showing: plots, widgets and exercise checkers."""
