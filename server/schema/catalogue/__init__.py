"""The catalogue slice of the API: locations, resources and kits."""
