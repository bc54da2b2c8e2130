"""Paging of list pages: the page number read safely from the query string."""

from __future__ import annotations

from typing import Any

from flask import current_app, request
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, func, select

from lms.extensions import db
from lms.inputs import parse_int

MAX_PAGE = 100_000


def page_number() -> int:
    """``?page=``: anything that is not a sensible page number (``²``, ``-3``, 10**30) means
    page 1."""
    return parse_int(request.args.get("page"), low=1, high=MAX_PAGE) or 1


def paginate(query: Select[Any]) -> Pagination:
    return db.paginate(
        query, page=page_number(), per_page=current_app.config["PAGE_SIZE"], error_out=False
    )


class ListPage:
    """A page of a list already in memory, with the attributes the ``pager`` macro reads."""

    def __init__(self, items: list[Any], page: int, per_page: int) -> None:
        self.total = len(items)
        self.per_page = per_page
        self.pages = max(1, -(-self.total // per_page))
        self.page = min(page, self.pages)
        start = (self.page - 1) * per_page
        self.items = items[start : start + per_page]

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1


class RowPage(ListPage):
    """A page of a query that selects several columns (``db.paginate`` keeps only the first):
    two queries, the count and the page's rows."""

    def __init__(
        self, query: Select[Any], per_page: int | None = None, total: int | None = None
    ) -> None:
        """``total``: the number of rows, when the caller already knows it (one query less)."""
        per_page = per_page or current_app.config["PAGE_SIZE"]
        if total is None:
            total = db.session.scalar(
                select(func.count()).select_from(query.order_by(None).subquery())
            )
        self.total = total or 0
        self.per_page = per_page
        self.pages = max(1, -(-self.total // per_page))
        self.page = min(page_number(), self.pages)
        offset = (self.page - 1) * per_page
        self.items = list(db.session.execute(query.limit(per_page).offset(offset)))
