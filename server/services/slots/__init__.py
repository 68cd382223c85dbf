"""Session templates, the slot finder and recurring series (DESIGN §10)."""
