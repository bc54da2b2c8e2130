"""Signals about learners' progress, so that courses, quizzes and attendance do not depend on
what follows from it (completion and certificates, in ``lms.certificates``)."""

from blinker import Namespace

_signals = Namespace()

# Sent with course_id=… and user_ids=[...] (or None: anyone enrolled) when something that the
# course's completion rule counts may have changed for them: a module marked done, a quiz
# attempt graded, an attendance mark, a course's rule or modules edited. Receivers re-evaluate;
# sending it when nothing changed is harmless.
progress_changed = _signals.signal("progress-changed")


def announce_progress(course_id: int, user_ids: list[int] | None) -> None:
    progress_changed.send(None, course_id=course_id, user_ids=user_ids)


# Sent with enrollment_ids=[...] when enrollments are created, so that what other features keep
# about an enrollment (the best quiz score, in ``lms.quizzes``) starts right.
enrolled = _signals.signal("enrolled")


def announce_enrolled(enrollment_ids: list[int]) -> None:
    if enrollment_ids:
        enrolled.send(None, enrollment_ids=enrollment_ids)
