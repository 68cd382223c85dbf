"""Notifications: what a person must act on, in-app and by e-mail (DESIGN §10)."""
