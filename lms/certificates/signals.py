"""Signals about certificates, so that certificates do not depend on who is told about them
(``lms.notifications``)."""

from blinker import Namespace

_signals = Namespace()

# Sent with certificate_ids=[...] after certificates were issued (on completion, by
# reconciliation or re-issued after a correction), in the transaction that issued them.
certificates_issued = _signals.signal("certificates-issued")


def announce_issued(certificate_ids: list[int]) -> None:
    if certificate_ids:
        certificates_issued.send(None, certificate_ids=certificate_ids)
