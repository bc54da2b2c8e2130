"""The demo's training: every published course (the six of the shipped programme) assigned
across the province, each to its own units, with due dates ahead and a few already past; the
progress of a bounded sample of cadres recorded through the services (modules read, attempts at
the course's required quiz, passed and failed), some regions ahead and some lagging, and
completions spread over the months since each course was assigned."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from lms.certificates.models import Certificate
from lms.certificates.services import local_date
from lms.courses import enrollment
from lms.courses.folders import sync_folders
from lms.courses.models import Assignment, Course, Enrollment, Module, ModuleProgress
from lms.errors import InvalidInput
from lms.extensions import db
from lms.people.models import User
from lms.quizzes import attempts, essay_grading
from lms.quizzes import services as quiz_services
from lms.quizzes.models import Quiz
from lms.timeutil import utcnow
from lms.units.models import Unit, UnitClosure

DEMO_COURSE = "dan-van-kheo"  # the course last week's session counts towards

# slug: (codes of the units it is assigned to, assigned days ago, due in days: < 0 is past).
COURSE_PLAN = {
    "quan-triet-chi-thi-dan-van": (["HT"], 150, -20),
    DEMO_COURSE: (["HT"], 120, 60),
    "co-so-phap-ly-dan-van": (["BCHQS-HS", "BCHQS-HK", "BDBP"], 100, 30),
    "dia-ban-vung-dac-thu": (["BDBP", "BCHQS-HS"], 80, 45),
    "tiep-dan-nam-tinh-hinh-phoi-hop": (["CAT", "BDBP"], 60, -5),
    "to-chuc-thuc-hien-lam-diem": (["BCHQS-HS", "BCHQS-HK", "BDBP"], 30, 90),
}
OTHER_COURSE_PLAN = (["HT"], 45, 45)  # a published course the programme does not list

# Cadres per course whose progress is recorded one by one through the services: enough for
# reports to have data, bounded so that the large demo stays within seconds.
SAMPLE = 12
# Named accounts keep the story README tells (hocvien's is scripted below).
NAMED = {"hocvien", "hocvien.bdbp", "chihuy.huongson"}
# Share of a region's sampled cadres who finish a course: some regions ahead, some lagging.
PACES = (0.85, 0.6, 0.35, 0.1)


@dataclass
class TrainingResult:
    courses: list[str] = field(default_factory=list)
    enrolled: int = 0
    modules_read: int = 0
    completed: int = 0
    attempts: int = 0


def demo_courses(courses_dir: Path | None) -> list[Course]:
    """The published courses, the shipped ones synced from ``courses_dir`` when the database
    does not have them."""
    course = db.session.scalar(select(Course).where(Course.slug == DEMO_COURSE))
    if course is None and courses_dir is not None and (courses_dir / DEMO_COURSE).is_dir():
        sync_folders(courses_dir)
    return list(
        db.session.scalars(select(Course).where(Course.status == "published").order_by(Course.slug))
    )


class _Story:
    def __init__(self, rng: random.Random, now: dt.datetime) -> None:
        self.rng, self.now = rng, now
        self.result = TrainingResult()
        self.units = dict(db.session.execute(select(Unit.code, Unit.id)).all())
        # Each unit's group: its ancestor two levels below the province (a regional command,
        # a commune police, a border post), whose pace its cadres follow.
        # (Looked up with a unit id that may be None: an account placed nowhere.)
        groups: dict[int | None, int] = dict(
            db.session.execute(
                select(UnitClosure.descendant_id, UnitClosure.ancestor_id)
                .join(Unit, Unit.id == UnitClosure.ancestor_id)
                .where(Unit.depth == 2)
            ).all()
        )
        self.group_of = groups
        self.pace: dict[int | None, float] = {
            g: PACES[i % len(PACES)] for i, g in enumerate(sorted(set(groups.values())))
        }
        # The demo's accounts are made before its story.
        self.trainer = cast(
            User, db.session.scalar(select(User).where(User.username == "giangvien"))
        )
        named = select(User.id).where(User.username.in_(NAMED))
        self.named_ids = set(db.session.scalars(named))

    def course(self, course: Course) -> None:
        codes, days_ago, due_in = COURSE_PLAN.get(course.slug, OTHER_COURSE_PLAN)
        assigned = self.now - dt.timedelta(days=days_ago)
        due = (self.now + dt.timedelta(days=due_in)).date()
        for code in codes:
            _assignment, created = enrollment.assign(
                course, cast(Unit, db.session.get(Unit, self.units[code])), due, actor="demo"
            )
            self.result.enrolled += created
        db.session.execute(
            update(Assignment).where(Assignment.course_id == course.id).values(created_at=assigned)
        )
        db.session.execute(
            update(Enrollment).where(Enrollment.course_id == course.id).values(enrolled_at=assigned)
        )
        self.result.courses.append(course.slug)
        modules = list(
            db.session.scalars(
                select(Module).where(Module.course_id == course.id).order_by(Module.position)
            )
        )
        if not modules:
            return
        quiz = _quiz(course)
        enrolled = db.session.execute(
            select(User.id, User.unit_id)
            .join(Enrollment, Enrollment.user_id == User.id)
            .where(Enrollment.course_id == course.id)
            .order_by(User.id)
        ).all()
        candidates = [row for row in enrolled if row.id not in self.named_ids]
        sample = self.rng.sample(candidates, min(SAMPLE, len(candidates)))
        users = {
            u.id: u
            for u in db.session.scalars(select(User).where(User.id.in_([r.id for r in sample])))
        }
        for row in sample:
            pace = self.pace.get(self.group_of.get(row.unit_id), 0.5)
            draw = self.rng.random()
            if draw < pace:
                read, answers = len(modules), ([True] if self.rng.random() < 0.7 else [False, True])
            elif draw < pace + 0.3 and len(modules) > 1:
                read = self.rng.randint(1, len(modules) - 1)
                answers = [False] if self.rng.random() < 0.25 else []
            else:
                continue  # not started
            self.progress(course, modules, quiz, users[row.id], assigned, read, answers)

    def progress(
        self,
        course: Course,
        modules: list[Module],
        quiz: Quiz | None,
        user: User,
        assigned: dt.datetime,
        read: int,
        answers: list[bool],
        finished: dt.datetime | None = None,
    ) -> None:
        """Read ``read`` modules and make the attempts through the services, then date them
        between the assignment and now."""
        rng, now = self.rng, self.now
        # Reading starts after the assignment and, when the story fixes it, before the finish.
        last = finished if finished is not None else now - dt.timedelta(days=1)
        span = max((last - assigned).days - 1, 1)
        started = assigned + dt.timedelta(days=rng.randint(0, span), hours=rng.randint(7, 16))
        if finished is None:
            days = rng.randint(2, 20)
            finished = min(started + dt.timedelta(days=days), now - dt.timedelta(hours=2))
        step = (finished - started) / (read + 1)
        for module in modules[:read]:
            self.result.modules_read += enrollment.mark_module_done(user, module)
        if read:
            db.session.execute(
                update(ModuleProgress),
                [
                    {
                        "user_id": user.id,
                        "module_id": module.id,
                        "completed_at": started + step * number,
                    }
                    for number, module in enumerate(modules[:read])
                ],
            )
        if quiz is not None:
            for number, passing in enumerate(answers):
                when = finished - dt.timedelta(days=len(answers) - 1 - number, minutes=40)
                _attempt(quiz, user, passing, when, rng, self.trainer)
                self.result.attempts += 1
        _date_completion(user.id, course.id, finished)

    def hocvien(self, courses: dict[str, Course]) -> None:
        """hocvien: part way through the demo course (failed its quiz three days ago), finished
        the legal course twelve days ago, late with the overdue one."""
        user = db.session.scalar(select(User).where(User.username == "hocvien"))
        if user is None:
            return
        for slug, read_all, answers, days_ago in (
            (DEMO_COURSE, False, [False], 3),
            ("co-so-phap-ly-dan-van", True, [True], 12),
        ):
            course = courses.get(slug)
            if course is None:
                continue
            modules = list(
                db.session.scalars(
                    select(Module).where(Module.course_id == course.id).order_by(Module.position)
                )
            )
            finished = self.now - dt.timedelta(days=days_ago)
            read = len(modules) if read_all else min(2, len(modules))
            assigned = finished - dt.timedelta(days=10)
            self.progress(course, modules, _quiz(course), user, assigned, read, answers, finished)


def add_training(
    courses: list[Course], rng: random.Random, *, story_only: bool = False
) -> TrainingResult:
    """``story_only``: the courses are already assigned and worked through (the large demo's
    activity); only tell hocvien's story."""
    story = _Story(rng, utcnow())
    if not story_only:
        for course in courses:
            story.course(course)
    story.hocvien({c.slug: c for c in courses})
    result = story.result
    result.completed = len(
        db.session.scalars(select(Enrollment.id).where(Enrollment.completed_at.is_not(None))).all()
    )
    return result


def _date_completion(user_id: int, course_id: int, finished: dt.datetime) -> None:
    """A completion the services recorded now, dated back to ``finished``: the enrollment
    (on time as the completion rule reckons it then) and the certificate issued for it."""
    enrolled = db.session.scalar(
        select(Enrollment).where(
            Enrollment.user_id == user_id,
            Enrollment.course_id == course_id,
            Enrollment.completed_at.is_not(None),
        )
    )
    if enrolled is None:
        return
    enrolled.completed_at = finished
    enrolled.on_time = enrolled.due_date is None or local_date(finished) <= enrolled.due_date
    db.session.execute(
        update(Certificate)
        .where(
            Certificate.user_id == user_id,
            Certificate.course_id == course_id,
            Certificate.superseded_at.is_(None),
        )
        .values(completed_at=finished, completed_on=local_date(finished))
    )
    db.session.flush()


def _quiz(course: Course) -> Quiz | None:
    """The course's required quiz, as its folder defines it (None: the course asks none)."""
    for slug in course.required_quizzes:
        quiz = quiz_services.get_quiz(course, slug)
        if quiz is not None and quiz.published:
            return quiz
    if course.required_quizzes:
        raise InvalidInput(
            _l("The course %(slug)s has no published required quiz.", slug=course.slug)
        )
    return None


def _attempt(
    quiz: Quiz, user: User, passing: bool, started: dt.datetime, rng: random.Random, trainer: User
) -> None:
    """An attempt answered through the engine like a cadre would, graded like a trainer would
    (essays: full credit when passing, none otherwise)."""
    attempt = attempts.start_attempt(quiz, user, now=started, rng=rng)
    questions = attempts.questions_of(attempt)
    gradable = [i for i, q in enumerate(questions) if q.snapshot["kind"] != "essay"]
    wrong = set() if passing else set(rng.sample(gradable, min(4, len(gradable))))
    for offset, question in enumerate(questions):
        if offset in wrong and offset % 2:
            continue  # left blank, as one who ran out of time does
        response = answer_as_sent(
            question.snapshot, question.choice_order, right=offset not in wrong
        )
        attempts.save_answer(
            attempt, question.position, response, now=started + dt.timedelta(minutes=offset + 1)
        )
    attempts.submit(attempt.id, now=started + dt.timedelta(minutes=len(questions) + 2))
    for question in questions:
        if question.snapshot["kind"] == "essay":
            essay_grading.grade_essay(
                attempt, question.position, 1.0 if passing else 0.0, grader=trainer
            )


def answer_as_sent(snapshot: dict[str, Any], order: list[int], *, right: bool) -> dict[str, Any]:
    """A response as the attempt page sends it (choices numbered as shown), right or wrong."""
    kind = snapshot["kind"]
    if kind == "truefalse":
        return {"value": bool(snapshot["correct"]) == right}
    if kind == "single":
        fractions = [c["fraction"] for c in snapshot["choices"]]
        best = fractions.index(max(fractions))
        pick = best if right else next(i for i, f in enumerate(fractions) if f <= 0)
        return {"choice": order.index(pick)}
    if kind == "multiple":
        good = [i for i, c in enumerate(snapshot["choices"]) if c["fraction"] > 0]
        bad = [i for i, c in enumerate(snapshot["choices"]) if c["fraction"] <= 0]
        return {"choices": sorted(order.index(i) for i in (good if right else bad[:1]))}
    if kind == "shortanswer":
        best = max(snapshot["choices"], key=lambda c: c["fraction"])
        return {"text": best["text"] if right else "không rõ"}
    if kind == "numerical":
        answer = snapshot["numeric"][0]
        value = answer["value"] if answer.get("value") is not None else answer["minimum"]
        return {"text": f"{value:g}" if right else f"{value + 1000:g}"}
    if kind == "matching":
        pairs = snapshot["pairs"]
        shift = 0 if right else 1
        return {
            "pairs": {
                str(i): order.index((i + shift) % len(pairs))
                for i, pair in enumerate(pairs)
                if pair["left"]
            }
        }
    return {"text": "Cần lắng nghe, tôn trọng và giải thích cho Nhân dân bằng việc làm cụ thể."}
