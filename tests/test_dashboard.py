"""The dashboard pages, the JSON API, the report's XLSX/CSV/print forms and ``lms report``: who
may see what, the same numbers in every form, bad input, and a fixed number of queries."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from bs4 import BeautifulSoup
from openpyxl import load_workbook
from sqlalchemy import insert, select, text

from lms.cli import main
from lms.courses.models import Enrollment
from lms.extensions import db
from lms.people.models import User
from lms.reports import views
from lms.units.models import Unit
from tests.plugins.units_people import add_people, add_units
from tests.support import login

PERIOD = "2026-H2"
DUE = dt.date(2026, 9, 30)


@pytest.fixture
def training(people, province, make_course, make_user):
    """The fixture's cadres and three more, with a course due in 2026-H2: two completed (one on
    time, one late), the others overdue."""
    course = make_course("dan-van", title="Dân vận khéo")
    extra = [
        make_user("an", ("cadre",), province["HS-01"], "Nguyễn Thị An"),
        make_user("binh", ("cadre",), province["HK"], "Trần Văn Bình"),
        make_user("cuong", ("cadre",), province["DBP-CT"], "Lê Văn Cường"),
    ]
    rows = [
        (people["cadre"], dt.datetime(2026, 9, 1, tzinfo=dt.UTC), True),
        (extra[0], dt.datetime(2026, 10, 5, tzinfo=dt.UTC), False),
        (extra[1], None, None),
        (extra[2], None, None),
        (people["border_cadre"], None, None),
    ]
    for user, completed, on_time in rows:
        db.session.add(
            Enrollment(
                user_id=user.id,
                course_id=course.id,
                due_date=DUE,
                completed_at=completed,
                on_time=on_time,
            )
        )
    db.session.commit()
    return course


def workbook_of(client, url):
    return load_workbook(io.BytesIO(client.get(url).data))


def page(response):
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


# ---- who may see what --------------------------------------------------------------------------

ACCESS = [
    ("/dashboard/", {"anon": 302, "cadre": 403, "trainer": 403, "commander": 200, "admin": 200}),
    ("/dashboard/?unit=HS-01", {"commander": 200, "admin": 200}),
    # Beside and above the commander's unit (HS): refused.
    ("/dashboard/?unit=HK", {"commander": 403, "admin": 200}),
    ("/dashboard/?unit=BCHQS", {"commander": 403, "admin": 200}),
    ("/dashboard/?unit=HT", {"commander": 403, "admin": 200}),
    ("/dashboard/?unit=NOPE", {"commander": 404, "admin": 404}),
    ("/dashboard/reminders", {"anon": 302, "cadre": 403, "commander": 200, "admin": 200}),
    ("/dashboard/reminders?unit=BDBP", {"commander": 403, "admin": 200}),
    ("/dashboard/commendations", {"cadre": 403, "trainer": 403, "commander": 200, "admin": 200}),
    ("/dashboard/commendations?unit=HK", {"commander": 403}),
    ("/dashboard/pilots", {"cadre": 403, "commander": 200, "admin": 200}),
    ("/dashboard/pilots?unit=HK", {"commander": 403}),
    ("/dashboard/report", {"anon": 302, "cadre": 403, "commander": 200, "admin": 200}),
    ("/dashboard/report?unit=HK", {"commander": 403}),
    ("/dashboard/report.xlsx", {"cadre": 403, "trainer": 403, "commander": 200, "admin": 200}),
    ("/dashboard/report.xlsx?unit=HK", {"commander": 403}),
    ("/dashboard/report.csv", {"cadre": 403, "commander": 200, "admin": 200}),
    ("/dashboard/report.csv?unit=BCHQS", {"commander": 403}),
    ("/dashboard/people/hocvien", {"cadre": 403, "trainer": 403, "commander": 200, "admin": 200}),
    ("/dashboard/people/hocvien.bp", {"commander": 404, "admin": 200}),
    ("/dashboard/people/nobody", {"commander": 404, "admin": 404}),
    ("/api/reports/completion?unit=HS&period=2026-H2", {"cadre": 403, "commander": 200}),
    ("/api/reports/completion?unit=HK&period=2026-H2", {"commander": 403, "admin": 200}),
    ("/api/reports/completion?unit=NOPE&period=2026-H2", {"commander": 400, "admin": 400}),
    ("/api/reports/completion?unit=HS&period=2026-H3", {"commander": 400}),
    ("/api/reports/completion?unit=HS&period=2026&course=nope", {"commander": 400}),
]
CASES = [(url, role, status) for url, expected in ACCESS for role, status in expected.items()]


@pytest.mark.parametrize(("url", "role", "status"), CASES, ids=[f"{u} as {r}" for u, r, _ in CASES])
def test_who_may_see_what(client, people, training, url, role, status):
    if role != "anon":
        login(client, people[role].username)
    assert client.get(url).status_code == status


def test_a_commander_lands_on_the_dashboard_of_their_unit(login_as, training):
    client = login_as("commander")
    home = page(client.get("/"))
    assert "Ban CHQS huyện Hương Sơn" in home.select_one("h1").get_text()
    # Units beside theirs never appear, not even as a name.
    assert "Hương Khê" not in home.get_text() and "Cầu Treo" not in home.get_text()


def test_a_commander_drills_down_to_the_people_of_a_commune(login_as, training):
    client = login_as("commander")
    overview = page(client.get(f"/dashboard/?period={PERIOD}"))
    link = next(a for a in overview.select("table.figures a") if "Sơn Kim" in a.get_text())
    commune = page(client.get(link["href"]))
    assert commune.select_one("h1").get_text(strip=True).endswith("Ban CHQS xã Sơn Kim 1")
    names = [a.get_text(strip=True) for a in commune.select("#people ~ table a")]
    assert names == ["Nguyễn Thị An", "Nguyễn Văn An"]
    crumbs = [a.get_text(strip=True) for a in commune.select("nav.crumbs a")]
    assert crumbs == ["Ban CHQS huyện Hương Sơn"]  # nothing above the commander's unit
    record = client.get(next(a["href"] for a in commune.select("#people ~ table a")))
    assert record.status_code == 200 and "Dân vận khéo" in record.get_data(as_text=True)


# ---- the same numbers in every form -----------------------------------------------------------


def test_page_json_xlsx_and_csv_agree(login_as, training):
    client = login_as("admin")
    args = f"unit=BCHQS&period={PERIOD}"
    data = client.get(f"/api/reports/completion?{args}").get_json()
    rows = {row["unit_code"]: row for row in data["rows"]}
    assert data["unit"] == "BCHQS" and data["period"] == PERIOD
    assert {k: rows["HS"][k] for k in ("assigned", "completed", "on_time", "overdue", "rate")} == {
        "assigned": 2,
        "completed": 2,
        "on_time": 1,
        "overdue": 0,
        "rate": 100.0,
    }
    assert (rows["HK"]["assigned"], rows["HK"]["overdue"], rows["HK"]["rate"]) == (1, 1, 0.0)
    assert data["total"]["assigned"] == 3 and data["total"]["rate"] == 66.7

    book = load_workbook(io.BytesIO(client.get(f"/dashboard/report.xlsx?{args}").data))
    sheet = book.worksheets[0]
    header_row = next(
        r for r in range(1, 15) if sheet.cell(r, 1).value in ("Mã đơn vị", "Unit code")
    )
    assert sheet.freeze_panes == f"A{header_row + 1}"
    table = {
        sheet.cell(r, 1).value or "TOTAL": [sheet.cell(r, c).value for c in range(1, 12)]
        for r in range(header_row + 1, sheet.max_row + 1)
    }
    assert table["HS"][3:8] == [2, 2, 1, 0, 1.0]  # assigned … rate (a fraction, shown as %)
    assert sheet.cell(header_row + 1, 8).number_format == "0.0%"
    assert table["HK"][3:8] == [1, 0, 0, 1, 0.0]
    assert table["TOTAL"][3] == 3 and round(table["TOTAL"][7], 3) == 0.667
    assert "Sơn Kim" not in str(table)  # the rows are the units directly below BCHQS

    text = client.get(f"/dashboard/report.csv?{args}").data
    assert text.startswith(b"\xef\xbb\xbf")
    lines = list(csv.reader(io.StringIO(text.decode("utf-8-sig"))))
    start = lines.index(["Kết quả theo đơn vị"])  # the first table after the title block
    end = lines.index([], start)
    by_code = {line[0]: line for line in lines[start:end] if line and line[0] in ("HS", "HK")}
    assert by_code["HS"][3:8] == ["2", "2", "1", "0", "100.0"]
    assert by_code["HK"][3:8] == ["1", "0", "0", "1", "0.0"]

    report = page(client.get(f"/dashboard/report?{args}"))
    first = report.select("table.report-table")[0]
    texts = [[td.get_text(strip=True) for td in row.select("td")] for row in first("tr")[1:]]
    cells = {row[1]: row for row in texts}
    assert cells["HS"][4:9] == ["2", "2", "1", "0", "100,0%"]
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in report.get_text()

    dashboard = page(client.get(f"/dashboard/?{args}"))
    hs_row = next(
        tr for tr in dashboard.select("table.figures tbody tr") if "Hương Sơn" in tr.get_text()
    )
    assert [td.get_text(strip=True) for td in hs_row.select("td")][2:7] == [
        "2",
        "2",
        "1",
        "0",
        "100%",
    ]


def test_the_overdue_people_are_in_the_reminders_and_the_workbook(login_as, training):
    client = login_as("admin")
    reminders = page(client.get(f"/dashboard/reminders?unit=HT&period={PERIOD}"))
    names = [a.get_text(strip=True) for a in reminders.select("table.list a[href*=people]")]
    assert sorted(names) == ["Lê Thị Hà", "Lê Văn Cường", "Trần Văn Bình"]
    book = workbook_of(client, f"/dashboard/report.xlsx?unit=HT&period={PERIOD}")
    overdue = book.worksheets[2]
    listed = [overdue.cell(r, 1).value for r in range(1, overdue.max_row + 1)]
    for name in names:
        assert name in listed


def test_a_long_list_is_cut_on_paper_and_whole_in_the_workbook(login_as, training, monkeypatch):
    monkeypatch.setattr(views, "PRINTED_ROWS", 2)
    client = login_as("admin")
    printed = page(client.get(f"/dashboard/report?unit=HT&period={PERIOD}"))
    sections = printed.select("section.report-section")
    overdue = next(s for s in sections if "quá hạn" in s.h2.get_text() and s.table)
    assert len(overdue.select("tbody tr")) == 2
    assert "2 dòng đầu trong tổng số 3 dòng" in overdue.select_one(".report-cut").get_text()
    # The units' table (with its total row) is never cut.
    assert not sections[0].select(".report-cut")
    book = workbook_of(client, f"/dashboard/report.xlsx?unit=HT&period={PERIOD}")
    listed = [c.value for c in book.worksheets[2]["A"]]
    assert {"Lê Thị Hà", "Lê Văn Cường", "Trần Văn Bình"} <= set(listed)


def test_hostile_names_are_text_in_the_exports(login_as, training, people):
    people["cadre"].full_name = '=HYPERLINK("http://evil","x")'
    db.session.commit()
    client = login_as("admin")
    # hocvien completed: not overdue; make the hostile one overdue instead.
    binh = db.session.scalar(select(User).where(User.username == "binh"))
    binh.full_name = "=1+2"
    binh.position = "#N/A"  # an error code for a spreadsheet: must stay text
    db.session.commit()
    book = workbook_of(client, f"/dashboard/report.xlsx?unit=HT&period={PERIOD}")
    overdue = book.worksheets[2]
    row = next(r for r in overdue.iter_rows() if r[0].value == "=1+2")
    assert row[0].data_type == "s"
    assert row[3].value == "#N/A" and row[3].data_type == "s"
    text = client.get(f"/dashboard/report.csv?unit=HT&period={PERIOD}").data.decode("utf-8-sig")
    assert "'=1+2" in text and "\n=1+2" not in text


# ---- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    ["period=2026-H3", "period=abcd", "period=year&year=", "period=year&year=3000", "course=nope"],
)
def test_a_bad_choice_shows_the_filters_again_with_a_message(login_as, training, query):
    client = login_as("commander")
    for url in ("/dashboard/", "/dashboard/reminders", "/dashboard/report"):
        response = client.get(f"{url}?{query}")
        assert response.status_code == 400
        shown = page(response)
        assert shown.select_one("form.review-filters .error").get_text(strip=True)
    assert client.get(f"/dashboard/report.xlsx?{query}").status_code == 400


def test_a_chosen_year_and_a_course(login_as, training):
    client = login_as("commander")
    response = client.get("/dashboard/?period=year&year=2026&course=dan-van")
    assert response.status_code == 200
    shown = page(response)
    assert shown.select_one("select[name=course] option[selected]")["value"] == "dan-van"
    tabs = [a["href"] for a in shown.select("nav.tabs a")]
    assert all("period=2026" in href and "course=dan-van" in href for href in tabs)


# ---- lms report ------------------------------------------------------------------------------


def test_the_report_command_writes_xlsx_and_csv(cli, training, tmp_path):
    xlsx = tmp_path / "bao-cao.xlsx"
    result = cli("report", "--period", PERIOD, "--unit", "BCHQS", "-o", str(xlsx), cli=main)
    assert result.exit_code == 0, result.output
    sheet = load_workbook(xlsx).worksheets[0]
    assert "BCHQS" not in [sheet.cell(r, 1).value for r in range(1, sheet.max_row + 1)]
    assert "HS" in [sheet.cell(r, 1).value for r in range(1, sheet.max_row + 1)]
    out = tmp_path / "bao-cao.csv"
    result = cli("report", "--period", PERIOD, "--course", "dan-van", "-o", str(out), cli=main)
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")
    for bad in (["--period", "2026-H5"], ["--period", PERIOD, "--unit", "NOPE"]):
        result = cli("report", *bad, "-o", str(tmp_path / "x.xlsx"), cli=main)
        assert result.exit_code == 1
        assert not (tmp_path / "x.xlsx").exists()


# ---- a fixed number of queries -----------------------------------------------------------------


def grow(parent: Unit, size: int) -> None:
    """``size`` units below ``parent``, a cadre in each, with the course due in the period."""
    course_id = db.session.scalar(select(Enrollment.course_id).limit(1))
    new_units = add_units(parent, size)
    add_people(new_units, size, f"q{size}-")
    ids = db.session.scalars(select(User.id).where(User.username.like(f"q{size}-%"))).all()
    db.session.execute(
        insert(Enrollment),
        [{"user_id": i, "course_id": course_id, "due_date": DUE} for i in ids],
    )
    db.session.commit()
    if db.session.get_bind().dialect.name == "postgresql":
        # A thousand units inserted a moment ago have no statistics yet: PostgreSQL would plan
        # the closure joins as for an empty table (minutes of nested loops) until autovacuum
        # catches up. A server in use has them; so does the large demo, which analyses.
        db.session.execute(text("ANALYZE"))
        db.session.commit()


@pytest.mark.parametrize(
    "url",
    [
        "/",
        f"/dashboard/?unit=HS&period={PERIOD}",
        f"/dashboard/reminders?unit=HS&period={PERIOD}",
        f"/dashboard/commendations?unit=HS&period={PERIOD}",
        f"/dashboard/pilots?unit=HS&period={PERIOD}",
        f"/dashboard/report?unit=HS&period={PERIOD}",
        f"/api/reports/completion?unit=HS&period={PERIOD}",
    ],
)
def test_pages_take_the_same_queries_for_10_and_1000_units(
    login_as, training, province, count_queries, url
):
    client = login_as("commander")
    counts = []
    for parent, size in (("HS", 10), ("HS-01", 990)):  # then 1,000 units below HS
        grow(province[parent], size)
        with count_queries() as counter:
            assert client.get(url).status_code == 200
        counts.append(counter.count)
    assert counts[0] == counts[1], counts
    assert counts[0] <= 22, counts
    assert db.session.scalar(select(Unit.id).where(Unit.code == "HS-01-U989")) is not None
