"""Signals about quiz attempts, so that quizzes do not depend on who is told about them
(``lms.notifications``)."""

from blinker import Namespace

_signals = Namespace()

# Sent with attempt_id=… when an attempt's score became final while its person was not
# watching: a trainer graded its last essay, or the deadline sweep submitted it. (A person
# who submits sees the score on the page the submission returns.)
attempt_graded = _signals.signal("attempt-graded")


def announce_graded(attempt_id: int) -> None:
    attempt_graded.send(None, attempt_id=attempt_id)
