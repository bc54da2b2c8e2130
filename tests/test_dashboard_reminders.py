"""The reminders page's one action: a commander reminds every overdue cadre of the chosen unit,
period and course, each at most once a day per course, audited; people who have moved away
since the due date are left to their new commander."""

from __future__ import annotations

import datetime as dt

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import delete, select, update

from lms.audit.models import AuditEvent
from lms.courses.models import Enrollment
from lms.extensions import db
from lms.notifications import services as notifications
from lms.notifications.models import Notification
from lms.people.models import UnitMembership, User
from tests.support import csrf_token, login, transfer

PERIOD = "2026-H2"
DUE = dt.date(2026, 9, 30)
LONG_AGO = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
REMINDERS = f"/dashboard/reminders?period={PERIOD}"


@pytest.fixture
def overdue(people, province, make_course, make_user):
    """In Hương Sơn (the commander's district): hocvien and an overdue in HS-01, binh done;
    khanh was in HS-01 on the due date and has since moved to Hương Khê. Outside it: the border
    post's cadre, overdue."""
    course = make_course("dan-van", title="Dân vận khéo")
    an = make_user("an", ("cadre",), province["HS-01"], "Nguyễn Thị An")
    binh = make_user("binh", ("cadre",), province["HS-01"], "Trần Văn Bình")
    khanh = make_user("khanh", ("cadre",), province["HK"], "Lê Văn Khánh")
    db.session.execute(update(User).values(created_at=LONG_AGO))
    db.session.execute(update(UnitMembership).values(started_at=LONG_AGO))
    db.session.execute(delete(UnitMembership).where(UnitMembership.user_id == khanh.id))
    moved = dt.datetime(2026, 10, 15, 2, 0, tzinfo=dt.UTC)
    db.session.add_all(
        [
            UnitMembership(
                user_id=khanh.id,
                unit_id=province["HS-01"].id,
                started_at=LONG_AGO,
                ended_at=moved,
            ),
            UnitMembership(user_id=khanh.id, unit_id=province["HK"].id, started_at=moved),
        ]
    )
    done = dt.datetime(2026, 9, 1, tzinfo=dt.UTC)
    for user, completed in [
        (people["cadre"], None),
        (an, None),
        (binh, done),
        (khanh, None),
        (people["border_cadre"], None),
    ]:
        db.session.add(
            Enrollment(
                user_id=user.id,
                course_id=course.id,
                due_date=DUE,
                enrolled_at=LONG_AGO,
                completed_at=completed,
                on_time=True if completed else None,
            )
        )
    db.session.commit()
    return {"course": course, "an": an, "binh": binh, "khanh": khanh}


def reminded() -> set[str]:
    return set(
        db.session.scalars(
            select(User.username)
            .join(Notification, Notification.user_id == User.id)
            .where(Notification.kind == "commander_reminder")
        )
    )


def page(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def send(client, url: str = REMINDERS, follow: bool = True):
    token = csrf_token(client, url)
    return client.post(url, data={"csrf_token": token}, follow_redirects=follow)


def test_a_commander_reminds_the_overdue_cadres_of_their_district_once_a_day(
    client, login_as, overdue
):
    login_as("commander")
    before = page(client.get(REMINDERS))
    button = before.select_one("form.remind-all button")
    assert button is not None and "3" in button.get_text() and not button.has_attr("disabled")
    assert "đã nhắc hôm nay" not in before.get_text()

    first = send(client, follow=False)
    assert first.status_code == 302
    assert first.location.endswith("/dashboard/reminders?unit=HS&period=2026-H2")
    shown = page(client.get(first.location))
    message = shown.select_one(".flash-success").get_text()
    assert "2 lượt" in message and "chuyển sang đơn vị khác" in message
    # Who was in the district on the due date and is there today: reminded. khanh (moved to
    # Hương Khê since) is left to Hương Khê's commander; the border post is not Hương Sơn's.
    assert reminded() == {"hocvien", "an"}
    assert len(shown.find_all(string=lambda s: s and "đã nhắc hôm nay" in s)) == 2

    # Pressed again the same day: nothing new, and the commander is told why.
    again = page(send(client))
    told = again.select_one(".flash-success").get_text()
    assert "Không có lời nhắc mới" in told and "2 lượt đã được nhắc trong hôm nay" in told
    assert db.session.query(Notification).filter_by(kind="commander_reminder").count() == 2
    entries = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.action == "notification.remind_overdue")
        .order_by(AuditEvent.id)
    ).all()
    assert [(e.actor_name, e.after["count"], e.after["already_today"]) for e in entries] == [
        ("chihuy.hs", 2, 0),
        ("chihuy.hs", 0, 2),
    ]

    # The cadre finds it under the bell, naming the course and who sent it.
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    login(client, "hocvien")
    listing = page(client.get("/notifications/")).get_text()
    assert "Dân vận khéo" in listing and "Phạm Đức Long" in listing


def test_an_admin_reminds_the_whole_province_of_a_course(client, login_as, overdue, people):
    login_as("admin")
    url = f"{REMINDERS}&course=dan-van"
    response = send(client, url)
    assert response.status_code == 200
    assert reminded() == {"hocvien", "an", "khanh", "hocvien.bp"}


def test_only_commanders_and_admins_within_their_units_send(client, login_as, overdue):
    signed_out = client.post(REMINDERS, data={"csrf_token": csrf_token(client, "/login")})
    assert signed_out.status_code == 302 and "/login" in signed_out.location
    login_as("cadre")
    token = csrf_token(client, "/")
    assert client.post(REMINDERS, data={"csrf_token": token}).status_code == 403
    client.post("/logout", data={"csrf_token": token})
    login_as("commander")
    token = csrf_token(client, REMINDERS)
    outside = client.post(f"{REMINDERS}&unit=DBP-CT", data={"csrf_token": token})
    assert outside.status_code == 403
    assert client.post(REMINDERS, data={}).status_code == 400  # no CSRF token
    assert reminded() == set()


def test_a_bad_period_sends_nothing_and_says_why(client, login_as, overdue):
    login_as("commander")
    token = csrf_token(client, REMINDERS)
    response = client.post(
        "/dashboard/reminders?period=2026-H3", data={"csrf_token": token}, follow_redirects=True
    )
    assert response.status_code == 400  # the page again, with the filters and the message
    assert page(response).select_one(".review-filters .error") is not None
    assert reminded() == set()


def test_past_the_limit_the_button_is_off_and_nothing_is_sent(
    client, login_as, overdue, monkeypatch
):
    monkeypatch.setattr(notifications, "MAX_REMINDER_PAIRS", 1)
    login_as("commander")
    button = page(client.get(REMINDERS)).select_one("form.remind-all button")
    assert button.has_attr("disabled")
    response = page(send(client))
    assert "tối đa" in response.select_one(".flash-error").get_text()
    assert reminded() == set()
    assert not db.session.scalars(
        select(AuditEvent.id).where(AuditEvent.action == "notification.remind_overdue")
    ).all()


def test_when_everyone_listed_has_moved_away_the_commander_is_told_so(
    client, login_as, overdue, people, province
):
    """Placed in Sơn Kim 1 by the due date, all three overdue cadres have since moved to Hương
    Khê: nobody is reminded, and the message says why."""
    for user in (people["cadre"], overdue["an"]):
        transfer(user, province["HK"], actor=people["admin"])
        db.session.commit()
    login_as("commander")
    url = f"{REMINDERS}&unit=HS-01"
    assert "3" in page(client.get(url)).select_one("form.remind-all button").get_text()
    told = page(send(client, url)).select_one(".flash-success").get_text()
    assert "Không có lời nhắc mới" in told and "3 lượt" in told and "chuyển sang" in told
    assert reminded() == set()
