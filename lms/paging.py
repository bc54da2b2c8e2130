"""Paging of list pages: the page number read safely from the query string."""

from __future__ import annotations

from typing import Any

from flask import current_app, request
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select

from lms.extensions import db

MAX_PAGE = 100_000


def page_number() -> int:
    """``?page=``: anything that is not a sensible page number means page 1."""
    raw = request.args.get("page", "1")
    if not raw.isdigit() or len(raw) > 6:
        return 1
    return min(max(int(raw), 1), MAX_PAGE)


def paginate(query: Select[Any]) -> Pagination:
    return db.paginate(
        query, page=page_number(), per_page=current_app.config["PAGE_SIZE"], error_out=False
    )
