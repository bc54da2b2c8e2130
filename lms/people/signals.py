"""Signals other features listen to, so that people does not depend on them."""

from blinker import Namespace

_signals = Namespace()

# Sent with user_ids=[...] after accounts were created, moved to another unit, given other
# roles or reactivated: courses enrol them in the open assignments of their unit.
accounts_placed = _signals.signal("accounts-placed")
