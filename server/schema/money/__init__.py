"""The money slice of the API."""
