"""Assigning courses: the unit's subtree, later joiners, no duplicates, transfers, progress."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from sqlalchemy import func, select

from lms.courses import enrollment
from lms.courses.models import Enrollment, ModuleProgress
from lms.errors import InvalidInput
from lms.extensions import db
from lms.people.importer import import_users
from tests.support import login, post, transfer

DUE = dt.date(2027, 6, 30)


def enrolled_usernames(course) -> set[str]:
    from lms.people.models import User

    return set(
        db.session.scalars(
            select(User.username)
            .join(Enrollment, Enrollment.user_id == User.id)
            .where(Enrollment.course_id == course.id)
        )
    )


def test_assigning_enrols_the_cadres_of_the_subtree_once(make_course, people, province, make_user):
    course = make_course()
    make_user("hs.trainer", ("trainer",), province["HS"])  # not a cadre: not enrolled
    _assignment, created = enrollment.assign(course, province["BCHQS"], DUE, actor=None)
    db.session.commit()
    assert created == 1
    assert enrolled_usernames(course) == {"hocvien"}  # the border post is outside BCHQS
    _again, created = enrollment.assign(course, province["HT"], DUE, actor=None)
    assert created == 1  # only hocvien.bp is new
    _again, created = enrollment.assign(course, province["BCHQS"], DUE, actor=None)
    assert created == 0
    assert db.session.scalar(select(func.count()).select_from(Enrollment)) == 2


def test_reassigning_moves_the_due_date(make_course, people, province):
    course = make_course()
    enrollment.assign(course, province["HS"], DUE, actor=None)
    enrollment.assign(course, province["HS"], DUE + dt.timedelta(days=30), actor=None)
    db.session.commit()
    dates = set(db.session.scalars(select(Enrollment.due_date)))
    assert dates == {DUE + dt.timedelta(days=30)}


def test_people_who_join_later_are_enrolled(make_course, people, province, make_user):
    course = make_course()
    enrollment.assign(course, province["HS"], DUE, actor=None)
    db.session.commit()
    make_user("moi.den", ("cadre",), province["HS-01"])  # created in the unit
    border = people["border_cadre"]
    transfer(border, province["HS"])
    trainer = people["trainer"]  # becomes a cadre of... BCHQS: outside HS, not enrolled
    transfer(trainer, trainer.unit, roles={"trainer", "cadre"})
    db.session.commit()
    import_users(
        io.BytesIO("username,full_name,unit_code\nnhap.vao,Người Nhập,HS-01\n".encode()), actor=None
    )
    db.session.commit()
    assert enrolled_usernames(course) == {"hocvien", "moi.den", "hocvien.bp", "nhap.vao"}


def test_a_closed_assignment_stops_enrolling(make_course, people, province, make_user):
    course = make_course()
    assignment, _ = enrollment.assign(course, province["HS"], DUE, actor=None)
    enrollment.close_assignment(assignment, actor=None)
    db.session.commit()
    make_user("den.muon", ("cadre",), province["HS-01"])
    assert "den.muon" not in enrolled_usernames(course)


def test_moving_away_keeps_enrollment_and_progress(make_course, people, province):
    course = make_course()
    enrollment.assign(course, province["HS"], DUE, actor=None)
    cadre = people["cadre"]
    enrollment.mark_module_done(cadre, course.modules[0])
    transfer(cadre, province["DBP-CT"])
    db.session.commit()
    assert enrolled_usernames(course) == {"hocvien"}
    assert db.session.scalar(select(func.count()).select_from(ModuleProgress)) == 1


def test_only_published_courses_and_active_units(make_course, people, province):
    draft = make_course("nhap", status="draft")
    with pytest.raises(InvalidInput):
        enrollment.assign(draft, province["HS"], DUE, actor=None)
    course = make_course()
    with pytest.raises(InvalidInput):
        enrollment.assign(
            course, province["HS"], dt.date(2020, 1, 1), actor=None, today=dt.date(2026, 11, 25)
        )


def test_progress_is_idempotent_and_completes_the_enrollment(make_course, people, province):
    course = make_course()
    enrollment.assign(course, province["HS"], DUE, actor=None)
    cadre = people["cadre"]
    assert enrollment.mark_module_done(cadre, course.modules[0])
    assert not enrollment.mark_module_done(cadre, course.modules[0])
    for module in course.modules[1:]:
        enrollment.mark_module_done(cadre, module)
    db.session.commit()
    assert enrollment.enrollment_for(cadre, course).completed_at is not None


def test_commander_assigns_within_scope_only(client, make_course, people, province):
    course = make_course()
    login(client, "chihuy.hs")
    url = f"/courses/{course.slug}/assign"
    response = post(
        client, url, {"unit_id": province["HS"].id, "due_date": "2027-01-31"}, token_from=url
    )
    assert response.status_code == 302
    assert enrolled_usernames(course) == {"hocvien"}
    response = post(
        client, url, {"unit_id": province["BDBP"].id, "due_date": "2027-01-31"}, token_from=url
    )
    assert response.status_code == 400  # not one of the commander's units
    assert "hocvien.bp" not in enrolled_usernames(course)
    response = post(
        client, url, {"unit_id": province["HS"].id, "due_date": "hôm qua"}, token_from=url
    )
    assert response.status_code == 400


def test_assign_command(cli, make_course, people, province):
    course = make_course()
    result = cli("courses", "assign", course.slug, "--unit", "HT", "--due", "2027-03-31")
    assert result.exit_code == 0, result.output
    assert enrolled_usernames(course) == {"hocvien", "hocvien.bp"}
    for args in (
        ["nope", "--unit", "HT", "--due", "2027-03-31"],
        [course.slug, "--unit", "NOPE", "--due", "2027-03-31"],
        [course.slug, "--unit", "HT", "--due", "31/03/2027"],
    ):
        assert cli("courses", "assign", *args).exit_code == 1


def test_moving_a_unit_under_an_assigned_one_enrols_its_cadres(make_course, people, province):
    from lms.units import services as units

    course = make_course()
    enrollment.assign(course, province["BCHQS"], DUE, actor=None)
    db.session.commit()
    assert "hocvien.bp" not in enrolled_usernames(course)
    units.move_unit(province["DBP-CT"], province["HS"], actor=None)
    db.session.commit()
    assert "hocvien.bp" in enrolled_usernames(course)


def test_nested_assignments_enrol_a_newcomer_once_with_the_earlier_deadline(
    make_course, people, province, make_user
):
    course = make_course()
    enrollment.assign(course, province["HT"], DUE, actor=None)
    enrollment.assign(course, province["HS"], DUE - dt.timedelta(days=10), actor=None)
    db.session.commit()
    newcomer = make_user("moi.nhat", ("cadre",), province["HS-01"])
    rows = db.session.scalars(select(Enrollment).where(Enrollment.user_id == newcomer.id)).all()
    assert len(rows) == 1 and rows[0].due_date == DUE - dt.timedelta(days=10)


def test_closing_an_assignment_from_the_page(client, make_course, people, province, make_user):
    course = make_course()
    assignment, _ = enrollment.assign(course, province["HS"], DUE, actor=None)
    db.session.commit()
    login(client, "chihuy.hs")
    url = f"/courses/{course.slug}/assignments/{assignment.id}/close"
    assert post(client, url, token_from=f"/courses/{course.slug}/assign").status_code == 302
    make_user("den.sau", ("cadre",), province["HS-01"])
    assert "den.sau" not in enrolled_usernames(course)
    assert (
        post(client, f"/courses/{course.slug}/assignments/999999/close", token_from="/").status_code
        == 404
    )
