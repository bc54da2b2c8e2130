"""What is left of a course for a cadre: the modules to read, the required quizzes to pass, the
sessions to attend. The rule is lms.certificates.completion's: every module read, every
required quiz passed by its grading method, and the minimum attendance met; this module only
reads where the person stands on each part, for several courses at once, in a fixed number of
queries (the quiz and attendance features' own query functions).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from lms.attendance.queries import UpcomingSession, upcoming_for
from lms.attendance.reports import CourseAttendance, course_attendance_for
from lms.courses import queries
from lms.courses.queries import CourseProgress
from lms.quizzes.queries import QuizStanding, standings

if TYPE_CHECKING:
    from lms.people.models import User


@dataclass
class CourseStanding:
    progress: CourseProgress
    quizzes: list[QuizStanding] = field(default_factory=list)  # the required ones, in order
    min_attendance: int | None = None
    attendance: CourseAttendance | None = None  # None: no session for the person

    @property
    def course(self) -> Any:
        return self.progress.course

    @property
    def completed(self) -> bool:
        return self.progress.completed

    @property
    def modules_read(self) -> bool:
        return self.progress.total > 0 and self.progress.done == self.progress.total

    @property
    def quizzes_missing(self) -> list[QuizStanding]:
        return [quiz for quiz in self.quizzes if not quiz.passed]

    @property
    def shows_attendance(self) -> bool:
        """Only courses that ask a minimum attendance, or have sessions for the person."""
        return bool(self.min_attendance) or self.attendance is not None

    @property
    def attendance_met(self) -> bool:
        if not self.min_attendance:
            return True
        return self.attendance is not None and self.attendance.tally.meets(self.min_attendance)

    @property
    def has_requirements(self) -> bool:
        """Anything beyond reading the modules to show."""
        return bool(self.quizzes) or self.shows_attendance

    @property
    def missing_after_reading(self) -> bool:
        """Every module is read, yet the course is not complete: say exactly what is missing."""
        return (
            self.modules_read
            and not self.completed
            and (bool(self.quizzes_missing) or not self.attendance_met)
        )


def _placeholder(course_id: int, slug: str) -> QuizStanding:
    """A required name that is no quiz of the course (stored before names were checked):
    shown as not open, since it cannot be passed."""
    return QuizStanding(
        course_id=course_id,
        slug=slug,
        title=slug,
        published=False,
        pass_score=0,
        max_attempts=None,
    )


def standings_of(
    user: User, progresses: list[CourseProgress], now: dt.datetime
) -> list[CourseStanding]:
    """Where ``user`` stands on each course: two queries, however many courses (one when no
    course requires a quiz)."""
    with_quizzes = [p.course.id for p in progresses if p.course.required_quizzes]
    quizzes = standings(user.id, with_quizzes) if with_quizzes else {}
    attendance = course_attendance_for(user.id, [p.course.id for p in progresses], now)
    out = []
    for progress in progresses:
        course = progress.course
        of_course = quizzes.get(course.id, {})
        out.append(
            CourseStanding(
                progress=progress,
                quizzes=[
                    of_course.get(slug) or _placeholder(course.id, slug)
                    for slug in course.required_quizzes or []
                ],
                min_attendance=course.min_attendance,
                attendance=attendance.get(course.id),
            )
        )
    return out


def course_standing(
    user: User, progress: CourseProgress, now: dt.datetime
) -> CourseStanding | None:
    """The course page's summary, for a reader enrolled in it."""
    if progress.enrollment is None:
        return None
    return standings_of(user, [progress], now)[0]


@dataclass
class MyTraining:
    courses: list[CourseStanding]
    sessions: list[UpcomingSession]


def my_training(user: User, now: dt.datetime) -> MyTraining:
    """The cadre's home: each enrolled course with what is left, and their sessions. A fixed
    number of queries, however many courses (tests/test_query_counts.py)."""
    return MyTraining(
        courses=standings_of(user, queries.my_training(user), now),
        sessions=upcoming_for(user, now),
    )
