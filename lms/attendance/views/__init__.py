"""Attendance pages: records.py (check-in, a person's and a unit's records) and sessions/
(the trainers' session pages, one blueprint)."""
