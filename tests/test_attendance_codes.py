"""Check-in codes and self check-in, with an injected clock."""

from __future__ import annotations

import datetime as dt

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from lms.attendance import codes
from lms.attendance.checkin import CheckinRefused, check_in
from lms.attendance.models import AttendanceRecord
from lms.audit.models import AuditEvent
from lms.extensions import db

STEP = 30
START = dt.datetime(2026, 12, 1, 1, 0, tzinfo=dt.UTC)  # 08:00 in Hà Tĩnh


@pytest.fixture(autouse=True)
def english():
    """Messages are matched in English (the default locale is Vietnamese)."""
    with force_locale("en"):
        yield


def at(minutes: float) -> dt.datetime:
    return START + dt.timedelta(minutes=minutes)


def code_at(session, moment: dt.datetime) -> str:
    return codes.current_code(session.secret, moment, STEP).code


def test_code_is_six_digits_and_rotates_with_the_step():
    secret = codes.new_secret()
    first = codes.current_code(secret, at(0), STEP)
    assert len(first.code) == 6 and first.code.isdigit()
    assert codes.current_code(secret, at(0) + dt.timedelta(seconds=29), STEP).code == first.code
    later = [
        codes.current_code(secret, at(0) + dt.timedelta(seconds=30 * n), STEP).code
        for n in range(1, 6)
    ]
    assert first.code not in later  # a new code each step (collisions are 1 in a million)
    assert codes.current_code(secret, at(0) + dt.timedelta(seconds=10), STEP).seconds_left == 20


def test_validity_window_current_previous_then_expired_then_wrong():
    # A fixed secret: with a random one, the code shown could, once in some 25,000 runs, be
    # one of the recent codes again an hour later (EXPIRED where the test expects WRONG).
    secret = "5e" * 32
    shown = codes.current_code(secret, at(0), STEP).code
    assert codes.match(secret, shown, at(0), STEP) is codes.CodeMatch.VALID
    assert codes.match(secret, shown, at(0.5), STEP) is codes.CodeMatch.VALID  # typed slowly
    assert codes.match(secret, shown, at(1.5), STEP) is codes.CodeMatch.EXPIRED
    assert codes.match(secret, shown, at(60), STEP) is codes.CodeMatch.WRONG  # long gone
    assert codes.match(secret, "12345", at(0), STEP) is codes.CodeMatch.WRONG
    assert codes.match(secret, "١٢٣٤٥٦", at(0), STEP) is codes.CodeMatch.WRONG  # other digits
    spaced = shown[:3] + " " + shown[3:]
    assert codes.match(secret, spaced, at(0), STEP) is codes.CodeMatch.VALID


def test_another_secret_gives_other_codes():
    one, two = codes.new_secret(), codes.new_secret()
    assert [codes.code_for_step(one, n) for n in range(5)] != [
        codes.code_for_step(two, n) for n in range(5)
    ]


def test_two_app_instances_with_the_same_secret_agree(make_app, make_session):
    """Each app server derives the code from the session's secret in the database alone."""
    session = make_session()
    moment = at(3)
    shown_here = code_at(session, moment)
    other = make_app()
    with other.app_context():
        from lms.attendance import queries as session_queries

        again = session_queries.get_session(session.id)
        assert codes.current_code(again.secret, moment, STEP).code == shown_here
        assert codes.match(again.secret, shown_here, moment, STEP) is codes.CodeMatch.VALID
        db.session.remove()


def _check_in(user, code, moment, session=None):
    result = check_in(user, code, now=moment, step_seconds=STEP, session=session)
    db.session.commit()
    return result


def test_check_in_on_time_is_present_and_audited(people, make_session):
    session = make_session()
    result = _check_in(people["cadre"], code_at(session, at(-5)), at(-5))
    assert not result.already and result.record.status == "present"
    assert result.record.checked_in_at == at(-5) and not result.record.walk_in
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "attendance.checkin"))
    assert event.actor_name == "hocvien" and event.after["status"] == "present"


def test_late_threshold(people, make_session):
    session = make_session(late_after_minutes=15, units=("HT",))
    on_time = _check_in(people["cadre"], code_at(session, at(15)), at(15))
    late = _check_in(people["border_cadre"], code_at(session, at(16)), at(16))
    assert (on_time.record.status, late.record.status) == ("present", "late")


@pytest.mark.parametrize(
    ("minutes", "message"),
    [(-31, "opens at"), (121 + 30, "closed at")],
)
def test_check_in_outside_the_margins_is_refused(people, make_session, minutes, message):
    session = make_session(checkin_opens_minutes=30, checkin_closes_minutes=30)
    moment = at(minutes)
    with pytest.raises(CheckinRefused) as refused:
        check_in(
            people["cadre"],
            code_at(session, moment),
            now=moment,
            step_seconds=STEP,
            session=session,
        )
    assert message in str(refused.value.message)
    assert db.session.scalar(select(AttendanceRecord)) is None


def test_inside_the_margins_is_accepted(people, make_session):
    session = make_session(checkin_opens_minutes=30, checkin_closes_minutes=30, units=("HT",))
    early = _check_in(people["cadre"], code_at(session, at(-29)), at(-29), session)
    last = _check_in(people["border_cadre"], code_at(session, at(149)), at(149), session)
    assert (early.record.status, last.record.status) == ("present", "late")


def test_an_old_code_is_expired_and_writes_nothing(people, make_session):
    session = make_session()
    old = code_at(session, at(0))
    with pytest.raises(CheckinRefused) as refused:
        check_in(people["cadre"], old, now=at(2), step_seconds=STEP)
    assert "expired" in str(refused.value.message)
    with pytest.raises(CheckinRefused, match="expired"):
        check_in(people["cadre"], old, now=at(2), step_seconds=STEP, session=session)
    assert db.session.scalar(select(AttendanceRecord)) is None


def test_a_wrong_code_says_so(people, make_session):
    session = make_session()
    # A code that is not this session's now nor in its recent past (a chance one could be).
    wrong = next(
        candidate
        for candidate in (f"{n:06d}" for n in range(1000))
        if codes.match(session.secret, candidate, at(0), STEP) is codes.CodeMatch.WRONG
    )
    with pytest.raises(CheckinRefused, match="not right"):
        check_in(people["cadre"], wrong, now=at(0), step_seconds=STEP)
    with pytest.raises(CheckinRefused, match="Enter the code"):
        check_in(people["cadre"], "  ", now=at(0), step_seconds=STEP)


def test_the_code_of_another_session_says_which(people, make_session):
    ours = make_session(title="Buổi A")
    theirs = make_session(title="Buổi B", units=("BDBP",))
    with pytest.raises(CheckinRefused, match="another session: Buổi B"):
        check_in(
            people["cadre"], code_at(theirs, at(0)), now=at(0), step_seconds=STEP, session=ours
        )
    # Without a session named, the code finds its session: the cadre is not on its roster.
    with pytest.raises(CheckinRefused, match="not on the roster of Buổi B"):
        check_in(people["cadre"], code_at(theirs, at(0)), now=at(0), step_seconds=STEP)
    assert db.session.scalar(select(AttendanceRecord)) is None


def test_the_code_finds_its_session_without_the_link(people, make_session):
    make_session(title="Buổi A", units=("BDBP",))
    mine = make_session(title="Buổi B")
    result = _check_in(people["cadre"], code_at(mine, at(1)), at(1))
    assert result.session.id == mine.id


def test_not_on_the_roster_is_refused_unless_walk_ins_are_allowed(people, make_session):
    closed = make_session(units=("BDBP",), title="Buổi kín")
    with pytest.raises(CheckinRefused, match="not on the roster"):
        check_in(
            people["cadre"], code_at(closed, at(0)), now=at(0), step_seconds=STEP, session=closed
        )
    open_ = make_session(units=("BDBP",), allow_walk_ins=True, title="Buổi mở")
    result = _check_in(people["cadre"], code_at(open_, at(0)), at(0), open_)
    assert result.record.walk_in and result.record.status == "present"


def test_a_second_check_in_changes_nothing(people, make_session):
    session = make_session()
    first = _check_in(people["cadre"], code_at(session, at(0)), at(0))
    second = _check_in(people["cadre"], code_at(session, at(20)), at(20))
    assert second.already and second.record.status == "present"
    assert second.record.checked_in_at == first.record.checked_in_at
    assert (
        db.session.scalar(
            select(AuditEvent.id).where(AuditEvent.action == "attendance.checkin").offset(1)
        )
        is None
    )


def test_cancelled_session_refuses(people, make_session):
    from lms.attendance import services

    session = make_session()
    services.cancel_session(session, "Mưa bão", actor=people["trainer"])
    db.session.commit()
    with pytest.raises(CheckinRefused, match="cancelled"):
        check_in(
            people["cadre"], code_at(session, at(0)), now=at(0), step_seconds=STEP, session=session
        )


def test_check_in_overrides_an_earlier_absent_mark(people, make_session):
    from lms.attendance import marking

    session = make_session()
    marking.mark(
        session, [marking.Mark(people["cadre"].id, "absent")], actor=people["trainer"], now=at(1)
    )
    db.session.commit()
    result = _check_in(people["cadre"], code_at(session, at(5)), at(5))
    assert not result.already and result.record.status == "present"
    assert result.record.version == 2


def test_nobody_checks_in_to_two_sessions_at_the_same_time(people, make_session):
    hall_a = make_session(title="Hội trường A")
    hall_b = make_session(title="Hội trường B")
    assert _check_in(people["cadre"], code_at(hall_a, at(0)), at(0), hall_a).record
    with pytest.raises(CheckinRefused, match="already recorded present at Hội trường A"):
        check_in(
            people["cadre"], code_at(hall_b, at(1)), now=at(1), step_seconds=STEP, session=hall_b
        )
    later = make_session(title="Buổi chiều", starts_at=START + dt.timedelta(hours=5))
    moment = at(5 * 60)
    assert _check_in(people["cadre"], code_at(later, moment), moment, later).record
