"""What /healthz checks: the database answers a trivial query."""

from __future__ import annotations

from sqlalchemy import text

from lms.extensions import db


def database_answers() -> bool:
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # any failure of the database means "not healthy"
        db.session.rollback()
        return False
    return True
