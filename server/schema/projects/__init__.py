"""The projects slice of the API."""
