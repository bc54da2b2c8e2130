"""What a sync compares: a digest of what the folder says, of what the database holds and of
what they last agreed on, and the three-way decision between them (so a web edit is never
overwritten by a folder that did not change, and a change on both sides is a conflict)."""

from __future__ import annotations

import hashlib
import json
from typing import Any


def digest(*parts: Any) -> str:
    return hashlib.sha256(
        json.dumps(parts, ensure_ascii=False, sort_keys=True).encode()
    ).hexdigest()


def three_way(file_digest: str, db_digest: str | None, synced: str | None) -> str:
    """Three-way decision between the folder, the database and their last agreement:
    "same" (nothing to write), "file" (apply the folder), "keep" (the web edit stands),
    or "conflict" (both changed since the last sync, or never synced and different)."""
    if file_digest == db_digest:
        return "same"
    if synced is None:
        return "file" if db_digest is None else "conflict"
    if file_digest == synced:
        return "keep"
    if db_digest == synced:
        return "file"
    return "conflict"
