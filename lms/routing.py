"""URL converters shared by every feature."""

from __future__ import annotations

from typing import Any

from werkzeug.routing import IntegerConverter, Map

from lms.inputs import MAX_INT


class IdConverter(IntegerConverter):
    """``<id:name>``: a database id. Ids are 32-bit integers in the database: a larger number
    in a URL is a 404, never an overflow error from the database."""

    def __init__(self, url_map: Map, *args: Any, **kwargs: Any) -> None:
        super().__init__(url_map, max=MAX_INT)


def register_converters(url_map: Map) -> None:
    url_map.converters["id"] = IdConverter
