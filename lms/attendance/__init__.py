"""Training sessions, self check-in with rotating codes, attendance records and rates."""
