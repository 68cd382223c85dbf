"""The slots slice of the API: session templates, the slot finder and recurring series."""
