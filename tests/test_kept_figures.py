"""What the reports read from each enrollment is kept exact by the services, and equals what a
rebuild from scratch gives: ``best_score`` after attempts submitted, an essay graded by hand
and an enrollment created after the attempts; ``certified`` after certificates issued,
revoked and re-issued."""

from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import select

from lms.certificates import queries as certificate_queries
from lms.certificates import revocation
from lms.certificates import services as certificates
from lms.courses import enrollment
from lms.courses import services as courses
from lms.courses.models import Enrollment
from lms.extensions import db
from lms.quizzes import attempts, bank, best_scores, essay_grading
from tests.plugins.quizzes import ALL_KINDS_GIFT, answer_all, by_kind, published_quiz, shown_index


def course_modules(course):
    return courses.get_course(course.slug, with_modules=True).modules


T0 = dt.datetime(2026, 11, 20, 2, 0, tzinfo=dt.UTC)


def kept() -> dict[tuple[int, int], float | None]:
    return {
        (e.user_id, e.course_id): e.best_score
        for e in db.session.scalars(select(Enrollment).execution_options(populate_existing=True))
    }


def test_the_kept_best_scores_are_what_a_rebuild_gives(make_course, people, province):
    course = make_course()
    bank.import_gift(course, ALL_KINDS_GIFT, actor=None)
    quiz = published_quiz(course, max_attempts=5, pass_score=80)
    cadre, border = people["cadre"], people["border_cadre"]
    # hocvien is enrolled first; hocvien.bp sits the quiz before being enrolled.
    enrollment.assign(course, province["HS"], dt.date(2026, 12, 31), actor=None)
    db.session.commit()

    first = attempts.start_attempt(quiz, cadre, now=T0, rng=random.Random(1))
    answer_all(first, T0, essay=None)
    attempts.submit(first.id, now=T0 + dt.timedelta(minutes=5))
    second = attempts.start_attempt(quiz, cadre, now=T0 + dt.timedelta(hours=1))
    single = by_kind(second)["single"]
    attempts.save_answer(second, single.position, {"choice": shown_index(single, 1)}, now=T0)
    attempts.submit(second.id, now=T0 + dt.timedelta(hours=1, minutes=1))
    db.session.commit()
    assert kept()[(cadre.id, course.id)] == round(600 / 7, 2)  # the better of the two

    essay_attempt = attempts.start_attempt(quiz, border, now=T0, rng=random.Random(2))
    answer_all(essay_attempt, T0)
    attempts.submit(essay_attempt.id, now=T0 + dt.timedelta(minutes=3))
    db.session.commit()
    essay = by_kind(essay_attempt)["essay"].position
    essay_grading.grade_essay(essay_attempt, essay, 1.0, grader=people["trainer"])
    db.session.commit()
    # Enrolled only now: the score already earned comes with the enrollment.
    enrollment.assign(course, province["BDBP"], dt.date(2026, 12, 31), actor=None)
    db.session.commit()
    assert kept()[(border.id, course.id)] == 100.0

    before = kept()
    best_scores.rebuild()
    db.session.commit()
    assert kept() == before


def certified() -> dict[tuple[int, int], bool]:
    return {
        (e.user_id, e.course_id): e.certified
        for e in db.session.scalars(select(Enrollment).execution_options(populate_existing=True))
    }


def test_certified_follows_issue_revocation_and_reissue(make_course, people, province):
    course = make_course()
    enrollment.assign(course, province["HT"], dt.date(2026, 12, 31), actor=None)
    cadre, border = people["cadre"], people["border_cadre"]
    for user in (cadre, border):
        for module in course_modules(course):
            enrollment.mark_module_done(user, module)
    db.session.commit()  # reading every module completes the course: certificates issued
    issued = {user.id: certificate_queries.mine(user.id)[0] for user in (cadre, border)}
    assert certified() == {(cadre.id, course.id): True, (border.id, course.id): True}
    revocation.revoke(issued[cadre.id], "error", "", actor=people["admin"])
    replacement = revocation.reissue(issued[border.id], actor=people["admin"])
    db.session.commit()
    assert replacement.user_id == border.id
    assert certified() == {(cadre.id, course.id): False, (border.id, course.id): True}
    before = certified()
    certificates.rebuild_certified()
    db.session.commit()
    assert certified() == before
