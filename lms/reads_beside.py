"""A long read run beside the request's own: on a session (and database connection) of its
own, in a worker thread, while the request goes on with its other reads. The review report's
files use it for the whole overdue list, the longest of their reads: SQLite and PostgreSQL
both read on two connections at once, and the database's time does not hold Python's lock.

Only for reads whose results hold no ORM objects (those would belong to the other session).
What the read sees is what was committed when it ran, as for every statement of a request."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import ParamSpec, TypeVar

from flask import current_app

from lms.extensions import db

P = ParamSpec("P")
T = TypeVar("T")

# Threads start on the first read (after gunicorn has forked its workers), two at most.
_POOL = ThreadPoolExecutor(max_workers=2, thread_name_prefix="lms-read")


def read_beside(read: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> Future[T]:
    """Start ``read(*args, **kwargs)`` in a worker thread with the app's context and a session
    of its own; its result (or its exception) comes back through the future. An in-memory
    SQLite database is one per connection: there the read runs at once, in the caller's."""
    if db.engine.url.get_backend_name() == "sqlite" and db.engine.url.database in (
        None,
        "",
        ":memory:",
    ):
        done: Future[T] = Future()
        try:
            done.set_result(read(*args, **kwargs))
        except Exception as error:  # handed over as the worker's would be
            done.set_exception(error)
        return done
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # Flask's proxy

    def run() -> T:
        with app.app_context():
            try:
                return read(*args, **kwargs)
            finally:
                db.session.remove()

    return _POOL.submit(run)
