"""The command dashboard and the 6-month / annual review report: completion over the unit tree,
drill-down, reminders, commendations, pilots against the rest, and the report's exports."""
