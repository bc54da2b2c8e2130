"""The review's kept sums (``lms.reports.kept_sums``) follow every kind of write, in its
transaction, and stay what a rebuild from scratch gives. (Every test of the suite also ends by
checking the kept sums against a rebuild: see ``conftest.app_context``.)"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import insert, literal, select, update

from lms.courses import enrollment
from lms.courses import services as courses
from lms.courses.models import Enrollment, Module
from lms.extensions import db
from lms.people import services as people_services
from lms.people.models import UnitMembership, User
from lms.reports import kept_sums, sums_hooks
from lms.reports.cohort import Scope
from lms.reports.models import CompletionSum
from lms.reports.tally import _count
from lms.timeutil import parse_period, utcnow
from tests.support import run_together, sums_drift, transfer

DUE = dt.date(2027, 3, 31)
LATER = dt.date(2027, 8, 31)


def exact() -> None:
    db.session.commit()
    assert sums_drift() == []


def province_figures(course=None):
    """The province's figures for the first half of 2027, from the kept sums."""
    period = parse_period("2027-H1", "Asia/Ho_Chi_Minh")
    scope = Scope(None, period, course, "Asia/Ho_Chi_Minh", dt.date(2027, 7, 15), utcnow())
    return _count(scope)


def test_the_sums_follow_assignments_completion_transfers_and_accounts(
    make_course, people, province
):
    course = make_course()
    cadre, border = people["cadre"], people["border_cadre"]
    enrollment.assign(course, province["HT"], DUE, actor=None)  # INSERT … RETURNING
    exact()
    assert province_figures().total().enrolled == 2
    enrollment.assign(course, province["HT"], LATER, actor=None)  # UPDATE of due dates
    exact()
    assert province_figures().total().enrolled == 0  # both moved to the next half
    for module in courses.get_course(course.slug, with_modules=True).modules:
        enrollment.mark_module_done(cadre, module)  # completion: UPDATE … RETURNING
    exact()
    transfer(cadre, province["DBP-CT"])  # the unit of work: memberships and the account
    exact()
    people_services.set_active(border, False, actor=people["admin"])
    exact()
    assert kept_sums.kept() and all(key[0] == province["DBP-CT"].id for key in kept_sums.kept())
    people_services.set_active(border, True, actor=people["admin"])
    transfer(cadre, province["HS-01"])
    exact()


def test_the_sums_follow_writes_by_hand_and_in_bulk(make_course, people, province):
    course = make_course()
    cadre, border = people["cadre"], people["border_cadre"]
    added = Enrollment(user_id=cadre.id, course_id=course.id, due_date=DUE)
    db.session.add(added)  # through the unit of work
    exact()
    added.completed_at, added.on_time, added.best_score = utcnow(), True, 75.0
    exact()
    db.session.execute(  # a values INSERT without RETURNING: followed by its people
        insert(Enrollment).values(user_id=border.id, course_id=course.id, due_date=DUE)
    )
    exact()
    db.session.execute(update(Enrollment).values(due_date=LATER))  # every row
    exact()
    db.session.execute(  # a bulk update by primary key
        update(Enrollment), [{"id": added.id, "certified": True, "best_score": 90.0}]
    )
    exact()
    membership = db.session.scalar(
        select(UnitMembership).where(UnitMembership.user_id == border.id)
    )
    db.session.execute(  # history rewritten by a statement: moved the day before
        update(UnitMembership)
        .where(UnitMembership.id == membership.id)
        .values(unit_id=province["HS"].id)
    )
    exact()
    db.session.execute(update(User).where(User.id == border.id).values(active=False))
    exact()
    db.session.delete(added)
    exact()
    assert sums_drift() == []


def test_an_insert_select_must_return_the_new_ids(make_course, people):
    course = make_course()
    statement = insert(Enrollment).from_select(
        ["user_id", "course_id", "due_date"],
        select(User.id, literal(course.id), literal(DUE)).where(User.id == people["cadre"].id),
    )
    with pytest.raises(sums_hooks.UnfollowableWrite):
        db.session.execute(statement)
    db.session.rollback()
    assert db.session.scalar(select(Enrollment.id)) is None  # nothing written


def test_rebuild_gives_what_was_kept_and_repairs_a_damaged_table(make_course, people, province):
    course = make_course()
    enrollment.assign(course, province["HT"], DUE, actor=None)
    db.session.commit()
    before = kept_sums.kept()
    db.session.execute(update(CompletionSum).values(enrolled=CompletionSum.enrolled + 5))
    db.session.commit()
    assert sums_drift()
    kept_sums.rebuild()
    db.session.commit()
    assert kept_sums.kept() == before and sums_drift() == []


def test_a_suspended_bulk_load_leaves_the_sums_to_the_rebuild(make_course, people, province):
    course = make_course()
    with sums_hooks.suspended():
        enrollment.assign(course, province["HT"], DUE, actor=None)
    db.session.commit()
    assert kept_sums.kept() == {}
    kept_sums.rebuild()
    exact()


def test_two_completions_at_once_both_count(app, make_course, people, province):
    """Two transactions adding to the same kept row at the same moment: neither is lost (the
    upsert adds under the row's lock), on SQLite and PostgreSQL."""
    course = make_course(modules=("Một",))
    enrollment.assign(course, province["HT"], DUE, actor=None)
    transfer(people["border_cadre"], province["HS-01"])  # both in one unit: one kept row
    db.session.commit()
    module_id = courses.get_course(course.slug, with_modules=True).modules[0].id
    user_ids = [people["cadre"].id, people["border_cadre"].id]

    def finish(user_id: int):
        def job() -> bool:
            user = db.session.get(User, user_id)
            module = db.session.get(Module, module_id)
            return enrollment.mark_module_done(user, module)

        return job

    results, errors = run_together(app, [finish(user_id) for user_id in user_ids])
    assert errors == [] and results == [True, True]
    db.session.expire_all()
    assert province_figures().total().completed == 2
    assert sums_drift() == []


def test_lms_recount_checks_and_repairs_the_sums(cli, make_course, people, province):
    course = make_course()
    enrollment.assign(course, province["HT"], DUE, actor=None)
    db.session.commit()
    exact_now = cli("recount", "--check")
    assert exact_now.exit_code == 0 and "đã khớp" in exact_now.output
    db.session.execute(update(CompletionSum).values(enrolled=0))
    db.session.commit()
    found = cli("recount", "--check")
    assert found.exit_code == 1 and "lms recount" in found.output
    assert sums_drift()  # --check changed nothing
    repaired = cli("recount")
    assert repaired.exit_code == 0 and "2 dòng đã sai lệch" in repaired.output  # a unit each
    db.session.expire_all()
    assert sums_drift() == []


def test_the_first_rows_of_the_overdue_list_are_those_of_the_whole_list(
    make_course, people, province
):
    """The printed report reads only the enrollments due by the date the kept sums say its
    first rows need: the rows are the same as the whole list's first ones."""
    from lms.reports import lists

    early, late = make_course("som"), make_course("muon")
    enrollment.assign(early, province["HT"], dt.date(2027, 1, 31), actor=None)
    enrollment.assign(late, province["HT"], dt.date(2027, 2, 28), actor=None)
    db.session.commit()
    period = parse_period("2027-H1", "Asia/Ho_Chi_Minh")
    scope = Scope(None, period, None, "Asia/Ho_Chi_Minh", dt.date(2027, 7, 15), utcnow())
    whole = lists.overdue_people(scope)
    assert [row.course_slug for row in whole] == ["som", "som", "muon", "muon"]
    for limit in range(1, 6):
        assert lists.overdue_people(scope, limit=limit) == whole[:limit]
