"""A read run beside the request's: its own thread and session, its result or its error back."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from lms.extensions import db
from lms.people.models import User
from lms.reads_beside import read_beside


def _where_and_what() -> tuple[str, int, int]:
    count = db.session.scalar(select(func.count()).select_from(User)) or 0
    return threading.current_thread().name, id(db.session()), count


def test_a_read_beside_runs_in_its_own_thread_and_session_and_sees_what_is_committed(people):
    db.session.commit()
    here = (threading.current_thread().name, id(db.session()))
    name, session, count = read_beside(_where_and_what).result(timeout=30)
    assert name.startswith("lms-read") and name != here[0]
    assert session != here[1]
    assert count == db.session.scalar(select(func.count()).select_from(User))


def _fails() -> None:
    raise ValueError("the read failed")


def test_a_failed_read_beside_raises_where_its_result_is_asked_for():
    with pytest.raises(ValueError, match="the read failed"):
        read_beside(_fails).result(timeout=30)


def test_an_in_memory_database_is_read_in_the_callers_thread(make_app):
    other = make_app("sqlite://")
    with other.app_context():
        db.create_all()
        name, _session, count = read_beside(_where_and_what).result(timeout=30)
        assert name == threading.current_thread().name and count == 0
        with pytest.raises(ValueError):
            read_beside(_fails).result(timeout=30)
