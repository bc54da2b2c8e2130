"""Notifications: what is due (once per event however often ``lms notify`` runs), events in the
app (certificates, hand-graded quizzes), a commander's reminders, the bell, the list page and
the e-mail choices."""

from __future__ import annotations

import datetime as dt

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import func, select

from lms.audit.models import AuditEvent
from lms.courses import enrollment
from lms.courses.models import Enrollment
from lms.errors import InvalidInput
from lms.extensions import db
from lms.notifications import inbox, services
from lms.notifications.models import EmailChoice, Notification
from lms.people.models import User
from lms.quizzes import attempts, bank, essay_grading
from lms.quizzes import services as quiz_services
from tests.support import login, post

# 2026-12-01 10:00 in Hà Tĩnh (UTC+7).
NOW = dt.datetime(2026, 12, 1, 3, 0, tzinfo=dt.UTC)
TODAY = dt.date(2026, 12, 1)


def rows(**where) -> list[Notification]:
    query = select(Notification).order_by(Notification.id)
    for key, value in where.items():
        query = query.where(getattr(Notification, key) == value)
    return list(db.session.scalars(query))


def assign(course, unit, due: dt.date) -> None:
    enrollment.assign(course, unit, due, actor=None)
    db.session.commit()


@pytest.fixture
def due_courses(make_course, province, people, make_user):
    """Three courses assigned to HS (the cadre and a second cadre): due in 3 days, in 10 days,
    and 2 days ago; a third cadre elsewhere gets the overdue one too."""
    second = make_user("hocvien2", ("cadre",), province["HS"], "Trần Văn Bình")
    soon, later, late = make_course("sap-han"), make_course("con-xa"), make_course("qua-han")
    assign(soon, province["HS"], TODAY + dt.timedelta(days=3))
    assign(later, province["HS"], TODAY + dt.timedelta(days=10))
    assign(late, province["HS"], TODAY - dt.timedelta(days=2))
    assign(late, province["DBP-CT"], TODAY - dt.timedelta(days=2))
    return {"soon": soon, "later": later, "late": late, "second": second}


def test_notify_creates_due_soon_and_overdue_once_however_often_it_runs(people, due_courses):
    created = services.create_due(NOW)
    db.session.commit()
    assert (created.due_soon, created.overdue, created.sessions) == (2, 3, 0)
    soon = rows(kind="course_due_soon")
    assert {(n.user_id, n.object_id, n.occasion) for n in soon} == {
        (people["cadre"].id, due_courses["soon"].id, "2026-12-04"),
        (due_courses["second"].id, due_courses["soon"].id, "2026-12-04"),
    }
    overdue = rows(kind="course_overdue")
    assert {n.user_id for n in overdue} == {
        people["cadre"].id,
        due_courses["second"].id,
        people["border_cadre"].id,
    }
    assert all(n.occasion == "2026-11-29" for n in overdue)
    # Again the same day, and the next day: nothing new.
    again = services.create_due(NOW)
    next_day = services.create_due(NOW + dt.timedelta(days=1))
    db.session.commit()
    assert again.total == next_day.total == 0
    assert db.session.scalar(select(func.count()).select_from(Notification)) == 5


def test_a_new_due_date_is_a_new_event_and_completed_or_inactive_people_are_not_told(
    people, province, due_courses
):
    services.create_due(NOW)
    db.session.commit()
    # The course due later comes within 7 days a few days on.
    assert services.create_due(NOW + dt.timedelta(days=3)).due_soon == 2
    # The overdue course gets a new due date, then passes it again: told again.
    assign(due_courses["late"], province["HS"], TODAY + dt.timedelta(days=1))
    assert services.create_due(NOW + dt.timedelta(days=3)).overdue == 2  # HS cadres again
    # Completed and deactivated people are left alone.
    done = db.session.scalar(
        select(Enrollment).where(
            Enrollment.user_id == people["cadre"].id,
            Enrollment.course_id == due_courses["later"].id,
        )
    )
    done.completed_at = NOW
    db.session.get(User, due_courses["second"].id).active = False
    db.session.commit()
    assign(due_courses["later"], province["HS"], TODAY + dt.timedelta(days=20))
    assert services.create_due(NOW + dt.timedelta(days=14)).due_soon == 0


def test_a_session_tomorrow_is_told_to_its_roster_once_with_its_place(people, make_session, client):
    tomorrow_8 = dt.datetime(2026, 12, 2, 1, 0, tzinfo=dt.UTC)  # 08:00 local, tomorrow
    session = make_session(units=("HS",), starts_at=tomorrow_8, place="Hội trường xã Sơn Kim")
    make_session(units=("HS",), starts_at=tomorrow_8 + dt.timedelta(days=1))  # the day after
    created = services.create_due(NOW)
    db.session.commit()
    assert created.sessions == 1
    (told,) = rows(kind="session_tomorrow")
    assert (told.user_id, told.object_id) == (people["cadre"].id, session.id)
    assert services.create_due(NOW + dt.timedelta(hours=5)).sessions == 0
    db.session.commit()
    login(client, "hocvien")
    page = client.get("/notifications/").get_data(as_text=True)
    assert "Tập huấn kỹ năng dân vận" in page and "Hội trường xã Sơn Kim" in page
    assert f'href="/attendance/mine#session-{session.id}"' in page


def test_the_bell_counts_unread_and_the_list_marks_them_read_in_the_readers_language(
    client, people, due_courses
):
    services.create_due(NOW)
    db.session.commit()
    login(client, "hocvien")
    home = BeautifulSoup(client.get("/my-training").get_data(as_text=True), "html.parser")
    bell = home.select_one("a.bell")
    assert bell is not None and bell["href"] == "/notifications/"
    assert bell.select_one(".count").get_text(" ", strip=True).startswith("2")
    page = BeautifulSoup(client.get("/notifications/").get_data(as_text=True), "html.parser")
    items = page.select("li.notification")
    assert len(items) == 2 and all("unread" in item["class"] for item in items)
    texts = " ".join(item.get_text(" ", strip=True) for item in items)
    # In the reader's language (Vietnamese by default), with the dates of the events.
    assert "Khóa học “Khóa học qua-han” đã quá hạn hoàn thành (ngày 29/11/26)" in texts
    assert "Khóa học “Khóa học sap-han” đến hạn hoàn thành ngày 4/12/26" in texts
    links = {a["href"] for a in page.select("li.notification a")}
    assert links == {"/courses/qua-han", "/courses/sap-han"}
    assert not rows(user_id=people["cadre"].id, read_at=None)  # shown: read
    assert len(rows(read_at=None)) == 3  # the other cadres' are untouched
    again = BeautifulSoup(client.get("/notifications/").get_data(as_text=True), "html.parser")
    assert again.select_one("a.bell .count") is None
    assert not again.select("li.notification.unread")
    # The same notification, read in English.
    post(client, "/locale", {"locale": "en", "next": "/notifications/"}, token_from="/")
    english = client.get("/notifications/").get_data(as_text=True)
    assert "The course “Khóa học qua-han” was due on 11/29/26 and is not complete yet." in english


def test_nobody_reads_anothers_notifications(client, people, due_courses):
    services.create_due(NOW)
    db.session.commit()
    login(client, "hocvien.bp")
    page = BeautifulSoup(client.get("/notifications/").get_data(as_text=True), "html.parser")
    assert len(page.select("li.notification")) == 1
    # The cadre's own stay unread.
    assert len(rows(user_id=people["cadre"].id, read_at=None)) == 2


def test_a_certificate_issued_is_told_with_a_link(people, make_course, province, client):
    course = make_course("mot-bai", modules=("Một",))
    assign(course, province["HS"], TODAY + dt.timedelta(days=30))
    enrollment.mark_module_done(people["cadre"], course.modules[0])
    db.session.commit()
    (told,) = rows(kind="certificate_issued")
    assert told.user_id == people["cadre"].id
    login(client, "hocvien")
    page = BeautifulSoup(client.get("/notifications/").get_data(as_text=True), "html.parser")
    link = page.select_one("li.notification a")
    assert link["href"] == f"/certificates/{told.object_id}"
    assert "DV-" in link.get_text()


def _essay_attempt(make_course, people, province):
    course = make_course("tu-luan")
    bank.import_gift(course, "::E:: Trình bày phương pháp dân vận khéo. {}\n", actor=None)
    quiz = quiz_services.create_quiz(course, slug="tu-luan", title="Bài tự luận", published=True)
    attempt = attempts.start_attempt(quiz, people["cadre"], now=NOW)
    attempts.save_answer(attempt, 1, {"text": "Gần dân, hiểu dân."}, now=NOW)
    db.session.commit()
    return attempt


def test_a_quiz_graded_by_hand_is_told_but_not_ones_own_submission(
    people, make_course, province, client
):
    attempt = _essay_attempt(make_course, people, province)
    attempts.submit(attempt.id, now=NOW)
    db.session.commit()
    assert not rows(kind="quiz_graded")  # waiting for the trainer
    essay_grading.grade_essay(attempt, 1, 0.9, grader=people["trainer"])
    db.session.commit()
    (told,) = rows(kind="quiz_graded")
    assert (told.user_id, told.object_id) == (people["cadre"].id, attempt.id)
    login(client, "hocvien")
    page = BeautifulSoup(client.get("/notifications/").get_data(as_text=True), "html.parser")
    item = page.select_one("li.notification a")
    assert item["href"] == f"/attempts/{attempt.id}/review"
    assert "Bài tự luận" in item.get_text() and "90" in item.get_text()


def test_an_attempt_submitted_by_the_deadline_sweep_is_told(people, make_course, province):
    course = make_course("co-han")
    bank.import_gift(course, "::Q:: Đúng hay sai? {T}\n", actor=None)
    quiz = quiz_services.create_quiz(
        course, slug="nhanh", title="Kiểm tra nhanh", published=True, time_limit_minutes=5
    )
    attempt = attempts.start_attempt(quiz, people["cadre"], now=NOW)
    attempts.save_answer(attempt, 1, {"value": True}, now=NOW)
    db.session.commit()
    assert attempts.close_overdue(now=NOW + dt.timedelta(hours=1)) == 1
    db.session.commit()
    assert [n.object_id for n in rows(kind="quiz_graded")] == [attempt.id]


# ---- a commander's reminders -----------------------------------------------------------------


def test_remind_overdue_once_a_day_audited(people, due_courses):
    commander, late = people["commander"], due_courses["late"]
    pairs = [(people["cadre"].id, late.id), (due_courses["second"].id, late.id)]
    first = services.remind_overdue(commander, pairs, NOW)
    db.session.commit()
    assert (first.sent, first.already_today, first.not_overdue) == (2, 0, 0)
    told = rows(kind="commander_reminder")
    assert {n.user_id for n in told} == {people["cadre"].id, due_courses["second"].id}
    assert all(n.params == {"from": "Phạm Đức Long"} and n.occasion == "2026-12-01" for n in told)
    later_today = services.remind_overdue(commander, pairs, NOW + dt.timedelta(hours=8))
    db.session.commit()
    assert (later_today.sent, later_today.already_today) == (0, 2)
    tomorrow = services.remind_overdue(commander, pairs[:1], NOW + dt.timedelta(days=1))
    db.session.commit()
    assert tomorrow.sent == 1
    entries = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.action == "notification.remind_overdue")
        .order_by(AuditEvent.id)
    ).all()
    assert [e.after["count"] for e in entries] == [2, 0, 1]
    assert entries[1].after["already_today"] == 2
    assert all(e.actor_name == "chihuy.hs" for e in entries)


def test_remind_overdue_refuses_people_outside_the_commanders_units(people, due_courses):
    late = due_courses["late"]
    pairs = [(people["cadre"].id, late.id), (people["border_cadre"].id, late.id)]
    with pytest.raises(InvalidInput):
        services.remind_overdue(people["commander"], pairs, NOW)
    with pytest.raises(InvalidInput):
        services.remind_overdue(people["cadre"], pairs[:1], NOW)
    with pytest.raises(InvalidInput):
        services.remind_overdue(people["trainer"], pairs[:1], NOW)
    with pytest.raises(InvalidInput):
        services.remind_overdue(people["commander"], [], NOW)
    assert not rows(kind="commander_reminder")
    assert not db.session.scalars(
        select(AuditEvent.id).where(AuditEvent.target_type == "notification")
    ).all()
    # An admin reaches everyone; a course not overdue (or not assigned) is skipped, not sent.
    result = services.remind_overdue(
        people["admin"], [*pairs, (people["cadre"].id, due_courses["soon"].id)], NOW
    )
    db.session.commit()
    assert (result.sent, result.already_today, result.not_overdue) == (2, 0, 1)


# ---- e-mail choices --------------------------------------------------------------------------


def test_email_choices_save_unchanged_changes_nothing_and_choices_stick(client, people):
    login(client, "hocvien")
    page = BeautifulSoup(client.get("/account/notifications").get_data(as_text=True), "html.parser")
    boxes = page.select("input[name=kinds]")
    assert len(boxes) == 6 and all(box.has_attr("checked") for box in boxes)
    before = [(b["value"], b.has_attr("checked")) for b in boxes]
    response = post(
        client,
        "/account/notifications",
        {"kinds": [v for v, checked in before if checked]},
        token_from="/account/notifications",
        follow_redirects=True,
    )
    assert response.status_code == 200
    reopened = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert [(b["value"], b.has_attr("checked")) for b in reopened.select("input[name=kinds]")] == (
        before
    )
    # Turning two off sticks, and only those.
    post(
        client,
        "/account/notifications",
        {"kinds": ["course_due_soon", "course_overdue", "session_tomorrow", "quiz_graded"]},
        token_from="/account/notifications",
    )
    assert inbox.email_choices(people["cadre"].id) == {
        "course_due_soon": True,
        "course_overdue": True,
        "session_tomorrow": True,
        "certificate_issued": False,
        "quiz_graded": True,
        "commander_reminder": False,
    }


def test_email_choices_refuse_an_unknown_kind_and_write_nothing(client, people):
    login(client, "hocvien")
    response = post(
        client,
        "/account/notifications",
        {"kinds": ["course_overdue", "everything"]},
        token_from="/account/notifications",
    )
    assert response.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(EmailChoice)) == 0


# ---- cost ------------------------------------------------------------------------------------


def _add_notifications(user_id: int, objects: dict[str, int], count: int, start: int) -> None:
    kinds = ["course_overdue", "session_tomorrow", "certificate_issued", "quiz_graded"]
    db.session.add_all(
        Notification(
            user_id=user_id,
            kind=kinds[n % 4],
            object_id=objects[kinds[n % 4]],
            occasion=f"o{n}",
            created_at=NOW,
        )
        for n in range(start, start + count)
    )
    db.session.commit()


def test_the_list_costs_the_same_queries_for_few_or_many_and_the_bell_one(
    client, people, province, make_course, make_session, count_queries
):
    course = make_course("mot-bai", modules=("Một",))
    assign(course, province["HS"], TODAY + dt.timedelta(days=30))
    enrollment.mark_module_done(people["cadre"], course.modules[0])
    db.session.commit()
    certificate_id = rows(kind="certificate_issued")[0].object_id
    attempt = _essay_attempt(make_course, people, province)
    session = make_session(units=("HS",))
    objects = {
        "course_overdue": course.id,
        "session_tomorrow": session.id,
        "certificate_issued": certificate_id,
        "quiz_graded": attempt.id,
    }
    _add_notifications(people["cadre"].id, objects, 8, 0)
    login(client, "hocvien")
    with count_queries() as few:
        client.get("/notifications/")
    _add_notifications(people["cadre"].id, objects, 200, 8)
    with count_queries() as many:
        page = client.get("/notifications/").get_data(as_text=True)
    assert few.count == many.count <= 12, (few.statements, many.statements)
    assert page.count('class="card notification') == 50  # a page of the newest
    assert page.count('class="card notification unread"') == 49  # one was read on the first
    with count_queries() as home:
        client.get("/my-training")
    bell = [s for s in home.statements if "notifications" in s]
    assert len(bell) == 1 and "count" in bell[0].lower()


def test_the_database_refuses_a_second_notification_of_the_same_event(people):
    from sqlalchemy.exc import IntegrityError

    def add() -> None:
        db.session.add(
            Notification(
                user_id=people["cadre"].id,
                kind="course_overdue",
                object_id=7,
                occasion="2026-11-29",
            )
        )
        db.session.flush()

    add()
    db.session.commit()
    with pytest.raises(IntegrityError):
        add()
    db.session.rollback()
    assert len(rows(kind="course_overdue")) == 1


def test_remind_overdue_refuses_malformed_pairs(people, due_courses):
    for pairs in ([("x", 1)], [(None, 1)], [(1,)]):
        with pytest.raises(InvalidInput):
            services.remind_overdue(people["commander"], pairs, NOW)
    assert not rows(kind="commander_reminder")


def test_a_notification_about_something_gone_says_so_without_a_link(client, people, due_courses):
    services.create_due(NOW)
    db.session.commit()
    from lms.courses.models import Course

    db.session.delete(db.session.get(Course, due_courses["soon"].id))
    db.session.commit()
    login(client, "hocvien")
    page = BeautifulSoup(client.get("/notifications/").get_data(as_text=True), "html.parser")
    items = page.select("li.notification")
    assert len(items) == 2
    assert len(page.select("li.notification a")) == 1
    assert any("không còn nữa" in item.get_text() for item in items)


def test_the_session_link_opens_the_session_on_my_attendance(people, make_session, client):
    now = dt.datetime.now(dt.UTC)
    session = make_session(units=("HS",), starts_at=now + dt.timedelta(days=1))
    services.create_due(now)
    db.session.commit()
    login(client, "hocvien")
    notifications = BeautifulSoup(
        client.get("/notifications/").get_data(as_text=True), "html.parser"
    )
    link = next(
        a["href"] for a in notifications.select("li.notification a") if "session-" in a["href"]
    )
    assert link == f"/attendance/mine#session-{session.id}"
    mine = BeautifulSoup(client.get("/attendance/mine").get_data(as_text=True), "html.parser")
    target = mine.select_one(f"#session-{session.id}")
    assert target is not None and "Tập huấn kỹ năng dân vận" in target.get_text()


def test_a_deactivated_cadre_is_not_reminded(people, due_courses):
    db.session.get(User, due_courses["second"].id).active = False
    db.session.commit()
    late = due_courses["late"].id
    result = services.remind_overdue(
        people["commander"], [(people["cadre"].id, late), (due_courses["second"].id, late)], NOW
    )
    db.session.commit()
    assert (result.sent, result.already_today, result.not_overdue) == (1, 0, 1)
    assert [n.user_id for n in rows(kind="commander_reminder")] == [people["cadre"].id]


def test_the_bell_says_99_plus_beyond_99(client, people):
    db.session.add_all(
        Notification(user_id=people["cadre"].id, kind="course_overdue", object_id=n, occasion="")
        for n in range(120)
    )
    db.session.commit()
    assert inbox.unread_count(people["cadre"].id) == 100  # counted no further
    login(client, "hocvien")
    page = BeautifulSoup(client.get("/my-training").get_data(as_text=True), "html.parser")
    assert page.select_one("a.bell .count").get_text(" ", strip=True).startswith("99+")
    assert page.select_one("summary .count").get_text(strip=True) == "99+"
