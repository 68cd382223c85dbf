"""Node lookup and the viewer."""
