"""Layer 5, showing: plots, diagrams, widgets, the model card, and `show_source`."""
