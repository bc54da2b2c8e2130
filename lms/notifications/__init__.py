"""Notifications: in-app (the bell) and by e-mail, of what a person must know or do."""
