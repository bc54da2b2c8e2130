"""Completion and certificates: one rule (modules, required quizzes, attendance), one
certificate per completion whatever races, serials in sequence, verification by anyone."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from flask_login import AnonymousUserMixin
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import func, insert, select, update

from lms.attendance import marking
from lms.attendance import services as sessions
from lms.audit.models import AuditEvent
from lms.certificates import revocation, services
from lms.certificates.models import Certificate, CertificateCounter
from lms.certificates.permissions import can_list_certificates
from lms.courses import enrollment, module_editing
from lms.courses import services as courses
from lms.courses.models import Enrollment, ModuleProgress
from lms.extensions import db
from lms.quizzes import attempts, bank, essay_grading
from lms.quizzes import services as quiz_services
from lms.timeutil import utcnow
from tests.plugins.certificates import DUE, certificates_of, earn, read_all, stand_in_pdf
from tests.support import csrf_token, login, post, run_together, soup, transfer

NOW = dt.datetime.now(dt.UTC)
GIFT = "".join(f"::Q{i}:: Câu {i}: đúng hay sai? {{T}}\n\n" for i in range(1, 6))
ESSAY_GIFT = "::E1:: Nêu cảm nghĩ của đồng chí về người có uy tín. {}\n"


def text(response) -> str:
    return " ".join(soup(response).get_text().split())


def take_quiz(quiz, user, right: int):
    attempt = attempts.start_attempt(quiz, user, now=NOW)
    for position in range(1, 6):
        attempts.save_answer(attempt, position, {"value": position <= right}, now=NOW)
    attempts.submit(attempt.id, now=NOW)
    db.session.commit()


def add_quiz(course, slug="kiem-tra", gift=GIFT, **settings):
    bank.import_gift(course, gift, actor=None) if gift else None
    settings = {"pass_score": 80, "max_attempts": None, "published": True, **settings}
    quiz = quiz_services.create_quiz(course, slug=slug, title=f"Kiểm tra {slug}", **settings)
    db.session.commit()
    return quiz


def set_rule(course, *, required=(), min_attendance=None, **extra):
    settings = courses.CourseSettings(**courses.settings_snapshot(course))
    settings.required_quizzes = list(required)
    settings.min_attendance = min_attendance
    for name, value in extra.items():
        setattr(settings, name, value)
    courses.update_course(course, settings, actor=None)
    db.session.commit()


@pytest.fixture
def course(make_course, people, province):
    made = make_course("dan-van", owner=people["trainer"], title="Kỹ năng dân vận cơ sở")
    enrollment.assign(made, province["HT"], DUE, actor=None)
    db.session.commit()
    return made


# ---- the rule --------------------------------------------------------------------------------


def test_reading_every_module_completes_and_issues_what_was_true(course, people, app):
    cadre = people["cadre"]
    cadre.rank, cadre.position = "Thiếu úy", "Chính trị viên"
    db.session.commit()
    enrollment.mark_module_done(cadre, course.modules[0])
    db.session.commit()
    assert certificates_of(cadre) == []
    certificate = earn(cadre, course)
    assert certificate.serial == f"DV-{certificate.issued_on.year}-000001"
    assert (certificate.full_name, certificate.rank, certificate.position) == (
        "Nguyễn Văn An",
        "Thiếu úy",
        "Chính trị viên",
    )
    assert (certificate.unit_code, certificate.unit_name) == ("HS-01", "Ban CHQS xã Sơn Kim 1")
    assert certificate.unit_chain == [
        "Ban CHQS xã Sơn Kim 1",
        "Ban CHQS huyện Hương Sơn",
        "Bộ Chỉ huy Quân sự tỉnh",
        "Tỉnh Hà Tĩnh",
    ]
    assert certificate.course_title == "Kỹ năng dân vận cơ sở"
    assert certificate.score is None and certificate.expires_on is None
    assert certificate.issuer_name == app.config["ISSUER_NAME"]
    assert certificate.signer_title == app.config["SIGNER_TITLE"]
    assert certificate.place == app.config["CERTIFICATE_PLACE"]
    assert len(certificate.code) >= 43  # 256 bits in URL-safe base64
    mine = enrollment.enrollment_for(cadre, course)
    assert mine.completed_at is not None and mine.on_time is True


def test_completion_after_the_due_date_is_not_on_time(make_course, people, province):
    made = make_course("muon")
    enrollment.assign(made, province["HS"], DUE, actor=None)
    db.session.execute(update(Enrollment).values(due_date=dt.date(2020, 1, 1)))
    db.session.commit()
    earn(people["cadre"], made)
    assert enrollment.enrollment_for(people["cadre"], made).on_time is False


def test_a_required_quiz_must_be_passed_and_scores_the_certificate(course, people):
    cadre = people["cadre"]
    quiz = add_quiz(course)
    set_rule(course, required=["kiem-tra"])
    read_all(cadre, course)
    take_quiz(quiz, cadre, right=3)  # 60%: not passed
    assert certificates_of(cadre) == []
    take_quiz(quiz, cadre, right=5)
    [certificate] = certificates_of(cadre)
    assert certificate.score == 100.0
    assert enrollment.enrollment_for(cadre, course).completed_at is not None


def test_the_score_is_the_mean_of_each_required_quiz_by_its_grading(course, people):
    cadre = people["cadre"]
    highest = add_quiz(course, "cao-nhat")
    last = add_quiz(course, "lan-cuoi", gift=None, grading="last")
    set_rule(course, required=["cao-nhat", "lan-cuoi"])
    take_quiz(highest, cadre, right=5)  # 100
    take_quiz(highest, cadre, right=4)  # 80: highest still counts 100
    take_quiz(last, cadre, right=5)  # 100, then
    take_quiz(last, cadre, right=4)  # 80: the last counts
    read_all(cadre, course)
    [certificate] = certificates_of(cadre)
    assert certificate.score == 90.0


def test_a_last_graded_attempt_that_fails_blocks_completion(course, people):
    cadre = people["cadre"]
    last = add_quiz(course, "lan-cuoi", grading="last")
    set_rule(course, required=["lan-cuoi"])
    take_quiz(last, cadre, right=5)
    take_quiz(last, cadre, right=1)
    read_all(cadre, course)
    assert certificates_of(cadre) == []


def test_an_essay_graded_later_by_the_trainer_completes(course, people):
    cadre = people["cadre"]
    quiz = add_quiz(course, "tu-luan", gift=ESSAY_GIFT, pass_score=50)
    set_rule(course, required=["tu-luan"])
    read_all(cadre, course)
    attempt = attempts.start_attempt(quiz, cadre, now=NOW)
    attempts.save_answer(attempt, 1, {"text": "Người có uy tín là cầu nối."}, now=NOW)
    attempts.submit(attempt.id, now=NOW)
    db.session.commit()
    assert certificates_of(cadre) == []  # waiting for the trainer
    essay_grading.grade_essay(attempt, 1, 1.0, grader=people["trainer"])
    db.session.commit()
    [certificate] = certificates_of(cadre)
    assert certificate.score == 100.0


def test_attendance_counts_excused_out_and_sessions_to_come_as_missing(
    course, people, make_session
):
    cadre = people["cadre"]
    set_rule(course, min_attendance=100)
    held = make_session(course_id=course.id, starts_at=NOW - dt.timedelta(days=3))
    excused = make_session(course_id=course.id, starts_at=NOW - dt.timedelta(days=2))
    coming = make_session(course_id=course.id, starts_at=NOW + dt.timedelta(days=7))
    marking.mark(excused, [marking.Mark(cadre.id, "excused")], actor=people["trainer"], now=NOW)
    db.session.commit()
    read_all(cadre, course)
    assert certificates_of(cadre) == []  # nothing attended yet
    marking.mark(held, [marking.Mark(cadre.id, "present")], actor=people["trainer"], now=NOW)
    db.session.commit()
    assert certificates_of(cadre) == []  # the session to come counts as not attended
    sessions.cancel_session(coming, "Hoãn", actor=people["trainer"])
    db.session.commit()
    [certificate] = certificates_of(cadre)  # present at 1 of 1 counted; the excused left out
    assert certificate.course_id == course.id


def test_the_rule_costs_the_same_queries_for_1_or_200_people(
    make_course, people, province, make_user, count_queries
):
    seen: list[int] = []

    def completed_count(size: int, quizzes: int) -> tuple[int, int]:
        made = make_course(f"khoa-{len(seen)}", modules=("Một", "Hai"))
        unit = province["HK"]
        users = [make_user(f"u{len(seen)}x{i}", ("cadre",), unit) for i in range(size)]
        seen.append(size)
        for index in range(quizzes):
            add_quiz(made, f"q{index}", gift=GIFT if index == 0 else None)
        if quizzes:
            set_rule(made, required=[f"q{i}" for i in range(quizzes)])
        enrollment.assign(made, unit, DUE, actor=None)
        db.session.execute(
            insert(ModuleProgress),
            [{"user_id": u.id, "module_id": m.id} for u in users for m in made.modules],
        )
        if quizzes:  # graded, passed attempts straight into the table
            from lms.quizzes.models import Attempt, Quiz

            quiz_ids = db.session.scalars(select(Quiz.id).where(Quiz.course_id == made.id))
            db.session.execute(
                insert(Attempt),
                [
                    {
                        "quiz_id": qid,
                        "user_id": u.id,
                        "number": 1,
                        "state": "graded",
                        "started_at": NOW,
                        "submitted_at": NOW,
                        "score": 90.0,
                        "passed": True,
                    }
                    for qid in list(quiz_ids)
                    for u in users
                ],
            )
        db.session.commit()
        with count_queries() as counter:
            issued = services.complete_and_issue(made.id)
        db.session.commit()
        assert len(issued) == size
        return counter.count, len(issued)

    completed_count(1, 0)  # the year's first issue also creates its serial counter
    one, _ = completed_count(1, 0)
    many, _ = completed_count(200, 0)
    assert one == many
    one_quiz, _ = completed_count(1, 1)
    five_quizzes, _ = completed_count(1, 5)
    assert one_quiz == five_quizzes
    # 12, and for each of the two writes to enrollments (completion, ``certified``) 3 that
    # keep the review's sums: read and lock, read again, add the difference.
    assert one_quiz <= 18


def test_completion_is_never_taken_back_and_an_edited_course_changes_no_certificate(course, people):
    cadre = people["cadre"]
    certificate = earn(cadre, course)
    module_editing.add_module(course, title="Phần mới", minutes=5, body_md="Mới.", author=None)
    set_rule(course, title="Tên mới của khóa học", certificate_valid_months=12)
    db.session.refresh(certificate)
    assert certificate.course_title == "Kỹ năng dân vận cơ sở"
    assert certificate.expires_on is None
    assert enrollment.enrollment_for(cadre, course).completed_at is not None
    assert len(certificates_of(cadre)) == 1


def test_the_course_sets_issuer_signer_and_validity(course, people):
    set_rule(
        course,
        certificate_valid_months=24,
        certificate_issuer="Bộ Chỉ huy Bộ đội Biên phòng tỉnh Hà Tĩnh",
        certificate_signer_title="CHÍNH ỦY",
    )
    certificate = earn(people["cadre"], course)
    assert certificate.issuer_name == "Bộ Chỉ huy Bộ đội Biên phòng tỉnh Hà Tĩnh"
    assert certificate.signer_title == "CHÍNH ỦY"
    issued = certificate.issued_on
    assert certificate.expires_on == services.add_months(issued, 24)
    assert services.add_months(dt.date(2026, 1, 31), 1) == dt.date(2026, 2, 28)


def test_the_unit_is_the_one_at_completion(course, people, province):
    """A completion recorded before the person moved is certified with the unit they were in
    then (unit_at the completion), even when the certificate is issued after the move."""
    cadre = people["cadre"]
    db.session.execute(
        update(Enrollment).where(Enrollment.user_id == cadre.id).values(completed_at=utcnow())
    )
    db.session.commit()
    transfer(cadre, province["HK"])
    db.session.commit()
    [certificate] = services.issue(course.id, [cadre.id])
    assert certificate.unit_code == "HS-01"
    assert certificate.unit_chain[1] == "Ban CHQS huyện Hương Sơn"


# ---- reconcile --------------------------------------------------------------------------------


def test_reconcile_issues_what_is_missing_and_twice_changes_nothing(cli, course, people):
    cadre = people["cadre"]
    # Read everything with no one listening (as before certificates existed).
    for module in course.modules:
        db.session.add(ModuleProgress(user_id=cadre.id, module_id=module.id))
    other = people["border_cadre"]
    db.session.execute(
        update(Enrollment)
        .where(Enrollment.user_id == other.id)
        .values(completed_at=NOW - dt.timedelta(days=40))
    )
    db.session.commit()
    first = cli("certificates", "reconcile")
    assert first.exit_code == 0, first.output
    assert "hoàn thành 1 lượt học, đã cấp 2 giấy chứng nhận" in first.output
    assert len(certificates_of(cadre)) == len(certificates_of(other)) == 1
    again = cli("certificates", "reconcile", "--course", "dan-van")
    assert "hoàn thành 0 lượt học, đã cấp 0 giấy chứng nhận" in again.output
    assert db.session.scalar(select(func.count()).select_from(Certificate)) == 2
    missing = cli("certificates", "reconcile", "--course", "khong-co")
    assert missing.exit_code == 1


# ---- serials ---------------------------------------------------------------------------------


def test_serials_run_in_sequence_and_a_rollback_gives_its_number_back(
    course, people, make_user, province
):
    year = services.local_date(utcnow()).year
    first = earn(people["cadre"], course)
    assert first.number == 1
    other = make_user("hocvien2", ("cadre",), province["HS"])
    enrollment.enrol_in_open_assignments([other.id])
    db.session.commit()
    for module in course.modules:
        db.session.add(ModuleProgress(user_id=other.id, module_id=module.id))
    db.session.commit()
    [issued] = services.complete_and_issue(course.id, [other.id])
    assert issued.number == 2
    db.session.rollback()  # the issue failed: its number is free again
    assert db.session.get(CertificateCounter, year).last == 1
    [second] = services.complete_and_issue(course.id, [other.id])
    db.session.commit()
    assert second.serial == f"DV-{year}-000002"


# ---- races -----------------------------------------------------------------------------------


def test_fifty_racing_completions_issue_one_certificate(app, course, people):
    cadre = people["cadre"]
    for module in course.modules:
        db.session.add(ModuleProgress(user_id=cadre.id, module_id=module.id))
    db.session.commit()
    course_id, user_id = course.id, cadre.id
    results, errors = run_together(
        app, [lambda: len(services.complete_and_issue(course_id, [user_id])) for _ in range(50)]
    )
    assert errors == []
    assert sorted(results) == [0] * 49 + [1]
    assert len(certificates_of(cadre)) == 1


def test_concurrent_issues_get_distinct_serials_in_sequence(
    app, make_course, province, make_user, database_url
):
    size = 200 if database_url.startswith("postgresql") else 50
    made = make_course("dong-loat", modules=("Một",))
    unit = province["HK"]
    users = [make_user(f"dl{i}", ("cadre",), unit) for i in range(size)]
    enrollment.assign(made, unit, DUE, actor=None)
    db.session.execute(
        update(Enrollment).where(Enrollment.course_id == made.id).values(completed_at=NOW)
    )
    db.session.commit()
    course_id = made.id
    results, errors = run_together(
        app, [lambda uid=u.id: len(services.issue(course_id, [uid])) for u in users]
    )
    assert errors == []
    assert sum(results) == size
    numbers = sorted(db.session.scalars(select(Certificate.number)))
    assert numbers == list(range(1, size + 1))
    serials = set(db.session.scalars(select(Certificate.serial)))
    assert len(serials) == size


# ---- verification ----------------------------------------------------------------------------


def test_verification_says_valid_and_shows_what_the_certificate_shows(client, course, people):
    certificate = earn(people["cadre"], course)
    response = client.get(f"/verify/{certificate.code}")
    assert response.status_code == 200
    page = text(response)
    assert "Còn hiệu lực" in page or "Valid" in page
    assert "Nguyễn Văn An" in page and certificate.serial in page
    assert "Kỹ năng dân vận cơ sở" in page
    assert certificate.code not in page.replace(f"/verify/{certificate.code}", "")
    assert "hocvien" not in page  # the username is not on the certificate


def test_verification_of_expired_revoked_superseded_and_unknown(client, course, people):
    cadre = people["cadre"]
    certificate = earn(cadre, course)
    certificate.expires_on = dt.date(2020, 1, 1)
    db.session.commit()
    assert services.verify(certificate.code).status == "expired"
    assert "Hết hiệu lực" in text(client.get(f"/verify/{certificate.code}"))
    certificate.expires_on = None
    cadre.full_name = "Nguyễn Văn Ân"
    db.session.commit()
    new = revocation.reissue(certificate, actor=people["admin"])
    db.session.commit()
    verdict = services.verify(certificate.code)
    assert (verdict.status, verdict.successor) == ("superseded", new.serial)
    assert new.serial in text(client.get(f"/verify/{certificate.code}"))
    revocation.revoke(new, "error", "Ghi chú nội bộ", actor=people["admin"])
    db.session.commit()
    page = text(client.get(f"/verify/{new.code}"))
    assert "Đã thu hồi" in page or "Thu hồi" in page
    assert "Cấp nhầm" in page and "Ghi chú nội bộ" not in page  # the note stays inside
    unknown = client.get("/verify/" + "x" * 43)
    assert unknown.status_code == 404
    assert "Nguyễn" not in text(unknown)


def test_the_form_needs_serial_and_code_and_a_serial_alone_reveals_nothing(client, course, people):
    certificate = earn(people["cadre"], course)
    token = csrf_token(client, "/verify")
    both = client.post(
        "/verify",
        data={"csrf_token": token, "serial": certificate.serial.lower(), "code": certificate.code},
    )
    assert both.status_code == 200 and "Nguyễn Văn An" in text(both)
    alone = client.post(
        "/verify", data={"csrf_token": token, "serial": certificate.serial, "code": ""}
    )
    assert alone.status_code == 400 and "Nguyễn Văn An" not in text(alone)
    wrong = client.post(
        "/verify", data={"csrf_token": token, "serial": certificate.serial, "code": "sai" * 15}
    )
    assert wrong.status_code == 404 and "Nguyễn Văn An" not in text(wrong)
    other_serial = client.post(
        "/verify", data={"csrf_token": token, "serial": "DV-2000-000001", "code": certificate.code}
    )
    assert other_serial.status_code == 404


def test_verification_is_rate_limited_per_address(make_app, course, people):
    app = make_app(VERIFY_LIMIT="5 per 10 minutes")
    client = app.test_client()
    statuses = [client.get("/verify/" + "a" * 43).status_code for _ in range(7)]
    assert statuses[:5] == [404] * 5 and statuses[5:] == [429, 429]
    elsewhere = client.get("/verify/" + "a" * 43, environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert elsewhere.status_code == 404


# ---- revoke and re-issue ---------------------------------------------------------------------


def test_an_admin_revokes_with_a_reason_and_it_is_audited(client, course, people):
    certificate = earn(people["cadre"], course)
    login(client, "quantri")
    url = f"/certificates/{certificate.id}"
    refused = post(client, url + "/revoke", {"reason": "", "note": ""}, token_from=url)
    assert refused.status_code == 303
    db.session.refresh(certificate)
    assert certificate.revoked_at is None
    too_long = post(client, url + "/revoke", {"reason": "fraud", "note": "x" * 501}, token_from=url)
    assert "Tối đa 500 ký tự." in text(client.get(too_long.location))
    odd = post(client, url + "/revoke", {"reason": "khac-thuong", "note": ""}, token_from=url)
    assert odd.status_code == 303
    db.session.refresh(certificate)
    assert certificate.revoked_at is None
    done = post(client, url + "/revoke", {"reason": "fraud", "note": "Gian lận"}, token_from=url)
    assert done.status_code == 303
    db.session.refresh(certificate)
    assert (certificate.revoked_reason, certificate.revoked_note) == ("fraud", "Gian lận")
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "certificate.revoke"))
    assert event.target_label == certificate.serial and event.after["reason"] == "fraud"
    history = text(client.get(url))
    assert "thu hồi" in history.lower()
    again = post(client, url + "/revoke", {"reason": "error", "note": ""}, token_from=url)
    assert again.status_code == 303
    db.session.refresh(certificate)
    assert certificate.revoked_reason == "fraud"


def test_reissue_after_a_correction_supersedes_and_shows_the_history(client, course, people):
    cadre = people["cadre"]
    certificate = earn(cadre, course)
    cadre.full_name, cadre.rank = "Nguyễn Văn Ân", "Trung úy"
    db.session.commit()
    login(client, "quantri")
    url = f"/certificates/{certificate.id}"
    response = post(client, url + "/reissue", {}, token_from=url)
    assert response.status_code == 303
    [old, new] = certificates_of(cadre)
    assert old.superseded_by_id == new.id and old.superseded_at is not None
    assert (new.full_name, new.rank, new.number) == ("Nguyễn Văn Ân", "Trung úy", 2)
    assert new.completed_on == old.completed_on and new.unit_chain == old.unit_chain
    page = text(client.get(response.location))
    assert old.serial in page and new.serial in page
    refused = post(client, url + "/reissue", {}, token_from=url)
    assert refused.status_code == 303
    assert len(certificates_of(cadre)) == 2


# ---- pages -----------------------------------------------------------------------------------


def test_my_certificates_lists_share_link_and_download(client, course, people):
    certificate = earn(people["cadre"], course)
    login(client, "hocvien")
    page = soup(client.get("/certificates/mine"))
    assert certificate.serial in page.get_text()
    links = [a["href"] for a in page.select("a")]
    assert any(href.endswith(f"/verify/{certificate.code}") for href in links)
    assert f"/certificates/{certificate.id}/certificate.pdf" in links
    response = client.get(f"/certificates/{certificate.id}/certificate.pdf")
    assert response.status_code == 200
    assert response.content_type == "application/pdf"
    assert certificate.serial in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "private, no-store"
    # The real drawing: its text holds what the certificate records.
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages)
    assert "Nguyễn Văn An" in text and certificate.serial in text


def test_a_unit_page_filters_and_exports(client, course, people, make_course, province):
    mine = earn(people["cadre"], course)
    other_course = make_course("khac", title="Khóa khác")
    enrollment.assign(other_course, province["HT"], DUE, actor=None)
    db.session.commit()
    earn(people["border_cadre"], other_course)  # outside the commander's subtree
    login(client, "chihuy.hs")
    year = mine.issued_on.year
    page = text(client.get(f"/certificates/units/HS?period={year}"))
    assert mine.serial in page and "Lê Thị Hà" not in page
    none = text(client.get(f"/certificates/units/HS?period={year}&status=revoked"))
    assert mine.serial not in none
    by_course = text(client.get(f"/certificates/units/HS?period={year}&course={other_course.id}"))
    assert mine.serial not in by_course
    assert client.get("/certificates/units/HS?period=gibberish").status_code == 400
    csv = client.get(f"/certificates/units/HS/certificates.csv?period={year}")
    assert csv.status_code == 200
    body = csv.data.decode("utf-8-sig")
    assert mine.serial in body and "Nguyễn Văn An" in body and "Lê Thị Hà" not in body
    xlsx = client.get(f"/certificates/units/HS/certificates.xlsx?period={year}")
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == [mine.serial]
    assert client.get("/certificates/units/BDBP").status_code == 404


def test_the_unit_pdf_is_streamed_and_has_every_certificate(
    client, course, people, make_user, province, monkeypatch
):
    stand_in_pdf(monkeypatch)
    extra = [make_user(f"them{i}", ("cadre",), province["HS-01"]) for i in range(3)]
    enrollment.enrol_in_open_assignments([u.id for u in extra])
    db.session.commit()
    for user in [people["cadre"], *extra]:
        earn(user, course)
    login(client, "chihuy.hs")
    year = services.local_date(utcnow()).year
    response = client.get(f"/certificates/units/HS/certificates.pdf?period={year}")
    assert response.status_code == 200 and response.is_streamed
    assert response.content_type == "application/pdf"
    assert response.data.count(b"%PDF") == 4
    assert response.data.startswith(f"%PDF DV-{year}-000001".encode())
    empty = client.get(f"/certificates/units/HS/certificates.pdf?period={year - 1}")
    assert empty.status_code == 303


def test_the_pdf_command_writes_one_file(cli, course, people, monkeypatch, tmp_path):
    stand_in_pdf(monkeypatch)
    certificate = earn(people["cadre"], course)
    target = tmp_path / "in.pdf"
    year = certificate.issued_on.year
    result = cli("certificates", "pdf", "--unit", "HS", "--period", str(year), "-o", str(target))
    assert result.exit_code == 0, result.output
    assert target.read_bytes().count(b"%PDF") == 1
    bad = cli("certificates", "pdf", "--unit", "HS", "--period", "H3", "-o", str(target))
    assert bad.exit_code == 1


def test_the_unit_list_costs_the_same_queries_for_few_or_many(
    client, make_course, province, make_user, count_queries, people
):
    login(client, "chihuy.hs")
    made = make_course("nhieu", modules=("Một",))
    users = [make_user(f"n{i}", ("cadre",), province["HS-01"]) for i in range(30)]
    enrollment.assign(made, province["HS"], DUE, actor=None)
    db.session.execute(
        update(Enrollment).where(Enrollment.course_id == made.id).values(completed_at=NOW)
    )
    db.session.commit()
    services.issue(made.id, [users[0].id])
    db.session.commit()
    year = services.local_date(utcnow()).year
    with count_queries() as few:
        assert client.get(f"/certificates/units/HS?period={year}").status_code == 200
    services.issue(made.id)
    db.session.commit()
    with count_queries() as many:
        assert client.get(f"/certificates/units/HS?period={year}").status_code == 200
    assert few.count == many.count


def test_a_code_in_the_query_does_not_break_the_redirect_to_the_own_unit(client, people):
    """/certificates/units/ sends a commander to their unit's page keeping the filters; a
    ``code`` in the query (a hand-edited link) is the redirect's own and is dropped, not a 500."""
    login(client, "chihuy.hs")
    response = client.get("/certificates/units/?code=BDBP&status=revoked")
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith("/certificates/units/HS?") and "status=revoked" in location
    assert "BDBP" not in location


def test_the_certificate_lists_are_refused_to_visitors_not_signed_in(app):
    assert can_list_certificates(AnonymousUserMixin()) is False
