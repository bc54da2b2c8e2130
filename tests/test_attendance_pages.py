"""Attendance pages: who may use them, what they show, exports, bulk entry, query counts."""

from __future__ import annotations

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
import segno
import zxingcpp
from bs4 import BeautifulSoup
from openpyxl import load_workbook
from sqlalchemy import func, select

from lms.attendance import bulk_marking, marking
from lms.attendance.models import AttendanceRecord, TrainingSession
from lms.attendance.views.sessions import ROSTER_PAGE_SIZE, qr_svg
from lms.extensions import db
from tests.plugins.units_people import add_people
from tests.support import login, post, queries_for, soup, transfer

NOW = dt.datetime.now(dt.UTC)
NOW_IS_THE_WALL_CLOCK = True  # taken again for each test (conftest.wall_clock_now)


@pytest.fixture
def running(make_session):
    """A session in progress now, with check-in open."""
    return make_session(units=("HS",), starts_at=NOW - dt.timedelta(minutes=5))


def login_en(client, username):
    login(client, username)
    post(client, "/locale", {"locale": "en", "next": "/"}, token_from="/")


def unit_ids(codes: str) -> list[str]:
    """The form's values for units picked from the tree (their ids), from their codes."""
    from lms.units import services as units

    return [str(units.get_by_code(code).id) for code in codes.split(",") if code]


def session_form(**overrides):
    data = {
        "title": "Tập huấn dân vận khéo",
        "kind": "in_person",
        "place": "Hội trường xã Sơn Kim 1",
        "meeting_url": "",
        "starts_at": "2026-12-10T08:00",
        "ends_at": "2026-12-10T11:00",
        "trainers": "giangvien",
        "units": unit_ids("HS"),
        "invitees": "hocvien.bp",
        "checkin_opens_minutes": "30",
        "checkin_closes_minutes": "30",
        "late_after_minutes": "15",
        "course_id": "",
    }
    data.update(overrides)
    return data


def test_trainer_creates_edits_and_cancels_a_session(client, people):
    login(client, "giangvien")
    response = post(client, "/sessions/new", session_form(), token_from="/sessions/new")
    assert response.status_code == 302
    session = db.session.scalar(select(TrainingSession))
    assert session.starts_at == dt.datetime(2026, 12, 10, 1, 0, tzinfo=dt.UTC)  # 08:00 local
    page = client.get(f"/sessions/{session.id}")
    text = page.get_data(as_text=True)
    assert "Nguyễn Văn An" in text and "Lê Thị Hà" in text  # roster: HS cadre and invitee

    edit_url = f"/sessions/{session.id}/edit"
    form = soup(client.get(edit_url))
    ticked = form.select("#units input[name=units][checked]")
    assert [box["value"] for box in ticked] == unit_ids("HS")
    assert form.select_one("#version")["value"] == "1"
    response = post(
        client, edit_url, session_form(title="Đổi tên", version="1"), token_from=edit_url
    )
    assert response.status_code == 302
    # A second edit from the same old form is refused, not applied over the first.
    stale = post(client, edit_url, session_form(title="Cũ", version="1"), token_from=edit_url)
    assert stale.status_code == 409
    assert db.session.get(TrainingSession, session.id).title == "Đổi tên"

    post(client, f"/sessions/{session.id}/cancel", {"reason": "Mưa lũ"}, token_from=edit_url)
    db.session.expire_all()
    assert db.session.get(TrainingSession, session.id).cancel_reason == "Mưa lũ"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"title": ""}, "required"),
        ({"ends_at": "2026-12-10T07:00"}, "end after it starts"),
        ({"ends_at": "2026-12-12T07:00"}, "at most 24 hours"),
        ({"units": ["999999"], "invitees": ""}, "not a valid choice"),
        ({"units": ["HS"], "invitees": ""}, "could not be coerced"),
        ({"units": "", "invitees": ""}, "at least one unit"),
        ({"trainers": "hocvien"}, "not a trainer"),
        ({"kind": "online", "meeting_url": "javascript:alert(1)"}, "https://"),
        ({"kind": "elsewhere"}, "valid choice"),
        ({"starts_at": "10/12/2026"}, "e.g. 2026-12-01"),
        ({"late_after_minutes": "-1"}, "0 to 240"),
        ({"late_after_minutes": "nhiều"}, "whole number"),
        ({"place": ""}, "where"),
    ],
)
def test_bad_session_forms_get_a_clear_400_and_write_nothing(client, people, overrides, message):
    login_en(client, "giangvien")
    response = post(client, "/sessions/new", session_form(**overrides), token_from="/sessions/new")
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(TrainingSession)) == 0


def test_cadre_checks_in_through_the_qr_link(client, people, running, app):
    step = app.config["CHECKIN_CODE_SECONDS"]
    login(client, "giangvien")
    screen = client.get(f"/sessions/{running.id}/screen")
    page = soup(screen)
    code = page.select_one("[data-code]")["data-code"]
    assert screen.headers["Cache-Control"] == "no-store"
    assert page.select_one('meta[http-equiv="refresh"]')
    # The QR code on the screen is the check-in link with the code, and decodes to it.
    link = page.select_one("a.checkin-link")["href"]
    assert link == f"http://localhost/checkin/{running.id}?code={code}"
    assert str(page.select_one(".qr svg")) == str(soup_of(qr_svg(link, 8)).svg)
    decoded = _decode_qr(link)
    assert decoded == link
    post(client, "/logout", {}, token_from="/")

    login(client, "hocvien")
    link = decoded.split("localhost", 1)[1]
    form = soup(client.get(link))
    assert form.select_one("input[name=code]")["value"] == code
    response = post(client, f"/checkin/{running.id}", {"code": code}, token_from=link)
    assert response.status_code == 303
    record = db.session.get(AttendanceRecord, (running.id, people["cadre"].id))
    assert record.status == "present" and record.source == "checkin"
    again = post(
        client, f"/checkin/{running.id}", {"code": code}, token_from=link, follow_redirects=True
    )
    assert again.status_code == 200
    assert db.session.scalar(select(func.count()).select_from(AttendanceRecord)) == 1
    assert step == 30


def soup_of(markup: str) -> BeautifulSoup:
    return BeautifulSoup(markup, "html.parser")


def _decode_qr(url: str) -> str:
    """Read the QR code of ``url`` from its pixels, as a phone's camera would."""
    qr = segno.make(url, error="m")
    matrix = list(qr.matrix_iter(scale=4, border=4))
    pixels = bytes(0 if dark else 255 for row in matrix for dark in row)
    image = memoryview(pixels).cast("B", (len(matrix), len(matrix[0])))
    return zxingcpp.read_barcodes(image)[0].text


def test_a_wrong_code_on_the_page_is_a_400_with_the_reason(client, people, running):
    login_en(client, "hocvien")
    response = post(client, "/checkin", {"code": "12"}, token_from="/checkin")
    assert response.status_code == 400
    assert "not right" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(AttendanceRecord)) == 0


def test_trainer_marks_one_tap_with_json_and_without(client, people, running):
    login(client, "giangvien")
    url = f"/sessions/{running.id}"
    cadre = people["cadre"].id
    response = post(
        client,
        f"{url}/mark",
        {"user_id": cadre, "status": "excused", "version": 0, "note": "Đi viện"},
        token_from=url,
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 200 and response.json["version"] == 1
    assert response.json["status"] == "excused"
    # The same tap from a page still showing version 0, but a different status: refused.
    response = post(
        client,
        f"{url}/mark",
        {"user_id": cadre, "status": "absent", "version": 0},
        token_from=url,
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 409 and response.json["status"] == "excused"
    assert "Nguyễn Văn An" in response.json["message"]
    # Without script: a redirect back to the person's row.
    response = post(
        client, f"{url}/mark", {"user_id": cadre, "status": "present", "version": 1}, token_from=url
    )
    assert response.status_code == 303 and response.headers["Location"].endswith(f"#u{cadre}")
    assert db.session.get(AttendanceRecord, (running.id, cadre)).status == "present"
    # Bad input: a 400, nothing written.
    for bad in (
        {"user_id": "x", "status": "present", "version": 0},
        {"user_id": people["border_cadre"].id, "status": "present", "version": 0},
        {"user_id": cadre, "status": "đến", "version": 2},
    ):
        response = post(
            client, f"{url}/mark", bad, token_from=url, headers={"Accept": "application/json"}
        )
        assert response.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(AttendanceRecord)) == 1


def test_all_present_then_the_paper_sheet(client, people, make_user, province, make_session):
    others = [make_user(f"hv{n}", ("cadre",), province["HS-01"], f"Cán bộ {n}") for n in range(3)]
    running = make_session(units=("HS",), starts_at=NOW - dt.timedelta(minutes=5))
    login(client, "giangvien")
    url = f"/sessions/{running.id}"
    post(
        client,
        f"{url}/mark",
        {"user_id": others[0].id, "status": "absent", "version": 0},
        token_from=url,
    )
    # Without script, "all present" asks first: a confirmation page, nothing written yet.
    response = post(client, f"{url}/mark-rest", {"status": "present"}, token_from=url)
    assert response.status_code == 200
    confirm = soup(response)
    assert confirm.select_one("input[name=confirmed]")["value"] == "yes"
    assert "3 người chưa được điểm danh sẽ được ghi “Có mặt”" in confirm.text
    assert db.session.scalar(select(func.count()).select_from(AttendanceRecord)) == 1
    response = post(
        client, f"{url}/mark-rest", {"status": "present", "confirmed": "yes"}, token_from=url
    )
    assert response.status_code == 303
    statuses = dict(
        db.session.execute(select(AttendanceRecord.user_id, AttendanceRecord.status)).all()
    )
    assert statuses[others[0].id] == "absent" and statuses[others[1].id] == "present"

    bulk = f"{url}/bulk"
    page = soup(client.get(bulk))
    versions = {i["name"]: i["value"] for i in page.select("input[name^=version-]")}
    data = {
        **versions,
        f"status-{others[1].id}": "late",
        f"note-{others[1].id}": "Đến 9 giờ",
        f"status-{others[2].id}": "present",
        "rest": "keep",
    }
    response = post(client, bulk, data, token_from=bulk)
    assert response.status_code == 303
    record = db.session.get(AttendanceRecord, (running.id, others[1].id))
    assert (record.status, record.note, record.source) == ("late", "Đến 9 giờ", "sheet")
    # Malformed rows: a 400 and nothing changes.
    response = post(client, bulk, {"version-abc": "1", "status-abc": "present"}, token_from=bulk)
    assert response.status_code == 400
    response = post(
        client,
        bulk,
        {f"version-{others[2].id}": "2", f"status-{others[2].id}": "x"},
        token_from=bulk,
    )
    assert response.status_code == 400
    assert db.session.get(AttendanceRecord, (running.id, others[2].id)).status == "present"


def test_sheet_and_exports(client, people, running):
    login(client, "giangvien")
    marking.mark(
        running,
        [marking.Mark(people["cadre"].id, "late", "=1+1")],
        actor=people["trainer"],
        now=NOW,
    )
    db.session.commit()
    sheet = soup(client.get(f"/sessions/{running.id}/sheet"))
    assert "Nguyễn Văn An" in sheet.select_one("table.sheet-table").text
    assert sheet.select_one(".sheet-qr svg") is not None
    csv = client.get(f"/sessions/{running.id}/attendance.csv")
    text = csv.get_data().decode("utf-8-sig")
    assert "Nguyễn Văn An" in text and "'=1+1" in text
    xlsx = client.get(f"/sessions/{running.id}/attendance.xlsx")
    workbook = load_workbook(io.BytesIO(xlsx.get_data()))
    rows = list(workbook.worksheets[0].iter_rows(values_only=True))
    assert rows[1][1] == "Nguyễn Văn An"


@pytest.mark.parametrize(
    ("who", "marks", "views", "exports"),
    [
        ("giangvien", 303, 200, 200),  # the session's trainer
        ("quantri", 303, 200, 200),  # an admin
        ("giangvien2", 404, 404, 404),  # another trainer
        ("chihuy.hs", 403, 200, 200),  # a commander: reads their subtree
        ("hocvien", 403, 403, 403),  # a cadre
    ],
)
def test_who_may_mark_and_see_a_session(
    client, people, make_user, province, running, who, marks, views, exports
):
    make_user("giangvien2", ("trainer",), province["BCHQS"])
    login(client, who)
    url = f"/sessions/{running.id}"
    token_from = "/my-training" if who != "quantri" else "/"
    response = post(
        client,
        f"{url}/mark",
        {"user_id": people["cadre"].id, "status": "present", "version": 0},
        token_from=token_from,
    )
    assert response.status_code == marks
    confirm = 200 if marks == 303 else marks  # "all present" first asks
    rest = post(client, f"{url}/mark-rest", {"status": "present"}, token_from=token_from)
    assert rest.status_code == confirm
    undo = post(client, f"{url}/mark-rest/1/undo", {}, token_from=token_from)
    assert undo.status_code == marks
    assert client.get(url).status_code == views
    assert client.get(f"{url}/attendance.csv").status_code == exports
    assert client.get(f"{url}/screen").status_code in (marks if marks != 303 else 200,)


def test_commander_sees_only_their_subtree_of_a_roster(client, people, make_session):
    session = make_session(units=("HT",))
    login(client, "chihuy.hs")
    text = client.get(f"/sessions/{session.id}").get_data(as_text=True)
    assert "Nguyễn Văn An" in text and "Lê Thị Hà" not in text
    csv = client.get(f"/sessions/{session.id}/attendance.csv").get_data().decode("utf-8-sig")
    assert "Nguyễn Văn An" in csv and "Lê Thị Hà" not in csv


def test_cadre_sees_own_history_and_upcoming_sessions(client, people, make_session, make_course):
    course = make_course("dan-van")
    make_session(
        units=("HS",),
        starts_at=NOW + dt.timedelta(days=2),
        title="Buổi sắp tới",
        course_id=course.id,
    )
    make_session(units=("BDBP",), starts_at=NOW + dt.timedelta(days=2), title="Buổi đơn vị khác")
    login(client, "hocvien")
    for url in ("/my-training", "/attendance/mine", "/courses/dan-van"):
        text = client.get(url).get_data(as_text=True)
        assert "Buổi sắp tới" in text and "Buổi đơn vị khác" not in text, url
    assert client.get(f"/attendance/people/{people['border_cadre'].username}").status_code == 403


def test_commander_follows_units_and_people_in_scope_only(client, people, make_session):
    past = make_session(units=("HT",), starts_at=NOW - dt.timedelta(days=3))
    marking.mark(
        past, [marking.Mark(people["cadre"].id, "present")], actor=people["trainer"], now=NOW
    )
    db.session.commit()
    login(client, "chihuy.hs")
    assert client.get("/attendance/units/").headers["Location"].startswith("/attendance/units/HS")
    local = past.starts_at.astimezone(ZoneInfo("Asia/Ho_Chi_Minh"))  # periods are local
    period = f"{local.year}-H{1 if local.month <= 6 else 2}"
    page = client.get(f"/attendance/units/HS?period={period}")
    assert page.status_code == 200
    assert soup(page).select_one("dl.facts dd").get_text(strip=True) == "100%"  # the rate
    assert client.get("/attendance/units/BDBP").status_code == 404
    assert client.get("/attendance/units/HS?period=2026-Q3").status_code == 400
    assert client.get("/attendance/people/hocvien").status_code == 200
    assert client.get("/attendance/people/hocvien.bp").status_code == 404


@pytest.mark.parametrize("invitees", [10, 500])
def test_roster_page_loads_in_a_fixed_number_of_queries(
    client, people, province, make_session, count_queries, invitees
):
    add_people([province["HS-01"]], invitees, "hv")
    session = make_session(units=("HS",), starts_at=NOW - dt.timedelta(minutes=5))
    bulk_marking.mark_rest_present(session, actor=people["trainer"], now=NOW)
    db.session.commit()
    login(client, "giangvien")
    url = f"/sessions/{session.id}"
    first = soup(client.get(url))
    assert len(first.select(".roster-row")) == min(invitees + 1, ROSTER_PAGE_SIZE)
    assert bool(first.select_one("nav.pager")) == (invitees + 1 > ROSTER_PAGE_SIZE)
    if invitees + 1 > ROSTER_PAGE_SIZE:  # the last page holds the rest
        last = soup(client.get(f"{url}?page=3"))
        assert len(last.select(".roster-row")) == invitees + 1 - 2 * ROSTER_PAGE_SIZE
    counts = {
        page: queries_for(client, count_queries, f"{url}{page}")
        for page in ("", "/bulk", "/sheet", "/attendance.csv")
    }
    assert counts == EXPECTED_QUERIES


# The same whatever the roster's size (10 or 500 people). The pages in the site's layout
# include the bell's unread count (one query); the printed sheet and the CSV have no layout.
EXPECTED_QUERIES = {"": 10, "/bulk": 7, "/sheet": 8, "/attendance.csv": 6}


def test_commanders_see_only_sessions_with_their_people(client, people, make_session):
    elsewhere = make_session(units=("DBP-CT",), invitees=("hocvien.bp",))
    mixed = make_session(units=("HS-01",), invitees=("hocvien.bp",))
    login(client, "chihuy.hs")
    assert client.get(f"/sessions/{elsewhere.id}").status_code == 404
    assert client.get(f"/sessions/{elsewhere.id}/attendance.csv").status_code == 404
    text = client.get(f"/sessions/{mixed.id}").get_data(as_text=True)
    assert "Nguyễn Văn An" in text and "Lê Thị Hà" not in text


def test_a_transferred_cadre_stays_with_the_unit_they_were_in(
    client, people, province, make_session
):

    session = make_session(units=("HS",), starts_at=NOW - dt.timedelta(hours=1))
    cadre = people["cadre"]
    transfer(cadre, province["DBP-CT"])
    db.session.commit()
    login(client, "chihuy.hs")
    assert "Nguyễn Văn An" in client.get(f"/sessions/{session.id}").get_data(as_text=True)


def test_the_check_in_page_of_a_session_is_only_for_its_people(client, people, make_session):
    theirs = make_session(units=("DBP-CT",))
    open_ = make_session(units=("DBP-CT",), allow_walk_ins=True)
    login(client, "hocvien")
    assert client.get(f"/checkin/{theirs.id}").status_code == 404
    assert client.get(f"/checkin/{open_.id}").status_code == 200


@pytest.mark.parametrize(
    "data",
    [
        {"user_id": "²", "status": "present", "version": "0"},
        {"user_id": "1", "status": "present", "version": "²"},
        {"user_id": "9" * 5000, "status": "present", "version": "0"},
    ],
)
def test_odd_numbers_in_a_mark_are_a_400(client, people, running, data):
    login(client, "giangvien")
    url = f"/sessions/{running.id}"
    assert post(client, f"{url}/mark", data, token_from=url).status_code == 400


@pytest.mark.parametrize(
    "rows",
    [
        {"version-{id}": "²", "status-{id}": "present"},
        {"version-{id}": "9" * 5000, "status-{id}": "present"},
        {"version-{id}": "0", "status-{id}": "", "note-{id}": "Ốm"},  # a note with no status
    ],
)
def test_odd_bulk_rows_are_a_400_and_write_nothing(client, people, running, rows):
    login_en(client, "giangvien")
    bulk = f"/sessions/{running.id}/bulk"
    uid = people["cadre"].id
    data = {key.format(id=uid): value for key, value in rows.items()}
    assert post(client, bulk, data, token_from=bulk).status_code == 400
    assert db.session.scalar(select(func.count()).select_from(AttendanceRecord)) == 0


def test_far_dates_and_odd_query_strings_are_not_500(client, people, running):
    login_en(client, "giangvien")
    response = post(
        client,
        "/sessions/new",
        session_form(starts_at="0001-01-01T00:00"),
        token_from="/sessions/new",
    )
    assert response.status_code == 400 and "between 2000 and 2100" in response.get_data(
        as_text=True
    )
    response = post(
        client,
        f"/sessions/{running.id}/edit",
        session_form(version="²"),
        token_from=f"/sessions/{running.id}/edit",
    )
    assert response.status_code == 409
    post(client, "/logout", {}, token_from="/")
    login(client, "chihuy.hs")
    response = client.get("/attendance/units/?code=X&endpoint=y&_anchor=z&period=2026")
    assert response.status_code == 302
    assert response.headers["Location"] == "/attendance/units/HS?period=2026"


def test_editing_keeps_an_archived_course(client, people, make_course, make_session):
    from lms.courses import services as courses

    course = make_course("dan-van")
    session = make_session(course_id=course.id)
    courses.set_status(course, "archived", actor=None)
    db.session.commit()
    login(client, "giangvien")
    edit = f"/sessions/{session.id}/edit"
    form = soup(client.get(edit))
    assert form.select_one("#course_id option[selected]")["value"] == str(course.id)
    response = post(
        client,
        edit,
        session_form(title="Đổi tên", version="1", course_id=str(course.id)),
        token_from=edit,
    )
    assert response.status_code == 302
    assert db.session.get(TrainingSession, session.id).course_id == course.id


def test_guessing_codes_is_limited_per_person(client, people, running):
    """Six digits could be guessed by brute force: after 20 tries in 10 minutes, a 429."""
    login(client, "hocvien")
    statuses = [
        post(client, "/checkin", {"code": f"{n:05d}"}, token_from="/checkin").status_code
        for n in range(21)
    ]
    assert statuses[:20] == [400] * 20 and statuses[20] == 429
    assert db.session.scalar(select(func.count()).select_from(AttendanceRecord)) == 0


def test_ids_beyond_32_bits_are_a_400(client, people, running):
    login(client, "giangvien")
    url = f"/sessions/{running.id}"
    data = {"user_id": "9999999999", "status": "present", "version": "0"}
    assert post(client, f"{url}/mark", data, token_from=url).status_code == 400
    bulk = f"{url}/bulk"
    data = {"version-9999999999": "0", "status-9999999999": "absent"}
    assert post(client, bulk, data, token_from=bulk).status_code == 400


def test_a_refused_paper_sheet_keeps_what_was_typed(
    client, people, make_user, province, make_session
):
    other = make_user("hv.khac", ("cadre",), province["HS-01"], "Cán bộ Khác")
    session = make_session(units=("HS",), starts_at=NOW - dt.timedelta(minutes=5))
    login(client, "giangvien")
    bulk = f"/sessions/{session.id}/bulk"
    cadre = people["cadre"].id
    data = {
        f"version-{cadre}": "0",
        f"status-{cadre}": "late",
        f"note-{cadre}": "Đến 8 giờ 20",
        f"version-{other.id}": "0",
        f"status-{other.id}": "",
        f"note-{other.id}": "Ốm",
        "rest": "absent",
    }
    response = post(client, bulk, data, token_from=bulk)
    assert response.status_code == 400
    page = soup(response)
    assert page.select_one(f"input[name=status-{cadre}][value=late]").has_attr("checked")
    assert page.select_one(f"input[name=note-{cadre}]")["value"] == "Đến 8 giờ 20"
    assert page.select_one(f"input[name=note-{other.id}]")["value"] == "Ốm"
    assert page.select_one("input[name=rest][value=absent]").has_attr("checked")
    assert db.session.scalar(select(func.count()).select_from(AttendanceRecord)) == 0


def test_sessions_count_only_towards_courses_the_trainer_edits(client, people, make_course):
    from lms.courses import services as courses

    mine = make_course("cua-toi", owner=people["trainer"])
    theirs = make_course("cua-nguoi-khac")
    db.session.commit()
    login(client, "giangvien")
    options = {o["value"] for o in soup(client.get("/sessions/new")).select("#course_id option")}
    assert str(mine.id) in options and str(theirs.id) not in options
    response = post(
        client, "/sessions/new", session_form(course_id=str(theirs.id)), token_from="/sessions/new"
    )
    assert response.status_code == 400
    assert courses.get_course("cua-nguoi-khac") is not None


def test_walk_ins_who_joined_later_count_under_their_own_unit(
    client, people, make_user, province, make_session
):
    """People with no unit history at the roster's moment are placed by their current unit."""
    from lms.attendance import codes
    from lms.attendance.checkin import check_in

    session = make_session(
        units=("HK",), allow_walk_ins=True, starts_at=NOW - dt.timedelta(minutes=5)
    )
    near = make_user("hv.moi", ("cadre",), province["HS-01"], "Đinh Văn Mới")
    far = make_user("hv.bp.moi", ("cadre",), province["DBP-CT"], "Hà Thị Xa")
    for person in (near, far):
        code = codes.current_code(session.secret, NOW, 30).code
        assert check_in(person, code, now=NOW, step_seconds=30, session=session).record.walk_in
    db.session.commit()
    login(client, "chihuy.hs")
    text = client.get(f"/sessions/{session.id}").get_data(as_text=True)
    assert "Đinh Văn Mới" in text and "Hà Thị Xa" not in text


def test_both_check_in_pages_share_one_guess_counter(client, people, running):
    """20 tries in all, not 20 at /checkin and 20 more at /checkin/<id>; signing out and in
    again does not start a new count."""
    login(client, "hocvien")
    session_page = f"/checkin/{running.id}"
    statuses = [
        post(client, "/checkin", {"code": f"{n:05d}"}, token_from="/checkin").status_code
        for n in range(10)
    ]
    post(client, "/logout", token_from="/")
    login(client, "hocvien")
    statuses += [
        post(client, session_page, {"code": f"{n:05d}"}, token_from=session_page).status_code
        for n in range(10, 21)
    ]
    assert statuses[:20] == [400] * 20 and statuses[20] == 429
    assert post(client, "/checkin", {"code": "00000"}, token_from="/checkin").status_code == 429
    assert db.session.scalar(select(func.count()).select_from(AttendanceRecord)) == 0


def test_the_period_is_picked_from_a_list_and_a_bad_one_shows_the_picker_again(
    client, people, make_session
):
    login_en(client, "chihuy.hs")
    today = dt.datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date()
    this_half = f"{today.year}-H{1 if today.month <= 6 else 2}"
    page = soup(client.get("/attendance/units/HS"))
    options = {o["value"]: o.text for o in page.select("select[name=period] option")}
    assert list(options)[:4] == [
        this_half,
        f"{today.year}-H1" if today.month > 6 else f"{today.year - 1}-H2",
        str(today.year),
        str(today.year - 1),
    ]
    assert list(options)[-1] == "year" and "Another year" in options["year"]
    assert page.select_one("select[name=period] option[selected]")["value"] == this_half
    # Links with a period keep working, an older one shown as picked.
    page = soup(client.get("/attendance/units/HS?period=2024-H1"))
    picked = page.select_one("select[name=period] option[selected]")
    assert (picked["value"], picked.text) == ("2024-H1", "first half of 2024")
    assert "Period: first half of 2024" in page.select_one("p.lead").text
    # A chosen year.
    page = soup(client.get("/attendance/units/HS?period=year&year=2023"))
    assert page.select_one("select[name=period] option[selected]")["value"] == "year"
    assert "Period: year 2023" in page.select_one("p.lead").text
    # A malformed period: the page's picker again with what is accepted, still a 400.
    for query, message in (
        ("period=2026-12", "“2026-12” is not a period"),
        ("period=year&year=", "Type the year"),
        ("period=year&year=1066", "“1066” is not a period"),
    ):
        response = client.get(f"/attendance/units/HS?{query}")
        assert response.status_code == 400, query
        page = soup(response)
        assert message in page.select_one(".period-picker .error").text
        assert "2026-H1: January to June" in response.get_data(as_text=True) or "Type" in message
        assert page.select_one("select[name=period]") is not None
        assert page.select_one("dl.facts") is None  # no figures for a period that is not one


def form_values(page: BeautifulSoup, selector: str = "form.card") -> list[tuple[str, str]]:
    """What a browser submits for a form as shown: every field with its shown value."""
    form = page.select_one(selector)
    values = []
    for element in form.select("input, select, textarea"):
        name = element.get("name")
        if not name or element.has_attr("disabled"):
            continue
        if element.name == "textarea":
            values.append((name, element.text.removeprefix("\n")))
        elif element.name == "select":
            chosen = element.select("option[selected]") or element.select("option")[:1]
            values += [(name, option.get("value", option.text)) for option in chosen]
        elif element.get("type") in ("checkbox", "radio"):
            if element.has_attr("checked"):
                values.append((name, element.get("value", "y")))
        elif element.get("type") != "submit":
            values.append((name, element.get("value", "")))
    return values


def test_the_session_form_saved_unchanged_changes_nothing(
    client, people, province, make_unit, make_session, make_course
):
    from lms.audit.models import AuditEvent
    from lms.units import services as units

    course = make_course("dan-van", owner=people["trainer"])
    empty = make_unit("HS-02", province["HS"], name="Ban CHQS xã Sơn Kim 2")
    session = make_session(
        units=("HS-01", "HS-02", "DBP-CT"),
        invitees=("hocvien.bp",),
        course_id=course.id,
        allow_walk_ins=True,
        description="Mang theo sổ tay.\nĐọc trước bài 1.",
    )
    units.set_active(empty, False, actor=None)  # deactivated since: still invited
    db.session.commit()
    login(client, "giangvien")
    edit = f"/sessions/{session.id}/edit"
    first = soup(client.get(edit))
    ticked = {box["value"] for box in first.select("#units input[checked]")}
    assert ticked == {str(province[c].id) for c in ("HS-01", "DBP-CT")} | {str(empty.id)}
    # The picked units' branches are unfolded; the kind is a choice of two.
    assert all(d.has_attr("open") for d in first.select("#units details:has(input[checked])"))
    assert [r["value"] for r in first.select(".choice-options input[type=radio]")] == [
        "in_person",
        "online",
    ]
    before = services_snapshot(session.id)
    from werkzeug.datastructures import MultiDict

    response = client.post(edit, data=MultiDict(form_values(first)))
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    assert services_snapshot(session.id) == before
    again = soup(client.get(edit))
    shown = [(k, v) for k, v in form_values(first) if k not in ("csrf_token", "version")]
    assert [(k, v) for k, v in form_values(again) if k not in ("csrf_token", "version")] == shown
    assert (
        db.session.scalar(select(func.count()).where(AuditEvent.action == "session.update")) == 0
    )  # nothing changed: nothing audited


def services_snapshot(session_id: int) -> dict:
    from lms.attendance import queries as session_queries
    from lms.attendance import services

    db.session.expire_all()
    snapshot = services.snapshot(session_queries.get_session(session_id))
    snapshot["description"] = session_queries.get_session(session_id).description
    return snapshot
