"""Reading a folder's text files: UTF-8, NFC, within a size limit; a problem with the file's
name otherwise."""

from __future__ import annotations

import unicodedata
from pathlib import Path

from flask_babel import lazy_gettext as _l

from lms.courses.folders.model import FolderProblem

MAX_FILE_BYTES = 1024 * 1024


def read_text(path: Path, rel: str, problems: list[FolderProblem]) -> str | None:
    if path.stat().st_size > MAX_FILE_BYTES:
        problems.append(
            FolderProblem(rel, 0, _l("the file is larger than %(n)s MB", n=MAX_FILE_BYTES // 2**20))
        )
        return None
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        problems.append(
            FolderProblem(
                rel, data[: error.start].count(b"\n") + 1, _l("the file is not UTF-8 text")
            )
        )
        return None
    if "\x00" in text:
        problems.append(
            FolderProblem(
                rel,
                text[: text.index("\x00")].count("\n") + 1,
                _l("the file contains a NUL character"),
            )
        )
        return None
    return unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
