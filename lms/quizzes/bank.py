"""The question bank: import GIFT files into a course, export them back."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from typing import TYPE_CHECKING, Any, cast

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, insert, select

from lms.audit import services as audit
from lms.courses.models import Course
from lms.errors import ImportRefused, InvalidInput, Problem
from lms.extensions import db
from lms.quizzes import gift
from lms.quizzes.models import Question
from lms.timeutil import utcnow

if TYPE_CHECKING:
    from lms.people.models import User

MAX_GIFT_BYTES = 2 * 1024 * 1024


def decode_gift(data: bytes) -> str:
    if len(data) > MAX_GIFT_BYTES:
        raise InvalidInput(_l("The file is larger than %(n)s MB.", n=MAX_GIFT_BYTES // 2**20))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise ImportRefused([Problem(line, _l("the file is not UTF-8 text"))]) from None


def to_content(question: gift.Question) -> dict[str, Any]:
    content = dataclasses.asdict(question)
    del content["line"]
    return content


def from_content(content: dict[str, Any]) -> gift.Question:
    return gift.Question(
        **{k: v for k, v in content.items() if k not in {"choices", "numeric", "pairs"}},
        choices=[gift.Choice(**c) for c in content.get("choices", [])],
        numeric=[gift.NumericAnswer(**n) for n in content.get("numeric", [])],
        pairs=[gift.MatchPair(**p) for p in content.get("pairs", [])],
    )


def import_gift(course: Course, text: str, *, actor: audit.Actor) -> int:
    """Add every question of a GIFT text to the course's bank, or none (ImportRefused with the
    lines of every problem). Returns how many were added."""
    if "\x00" in text:
        raise ImportRefused(
            [
                Problem(
                    text[: text.index("\x00")].count("\n") + 1,
                    _l("the file contains a NUL character"),
                )
            ]
        )
    try:
        questions = gift.parse(text)
    except gift.GiftError as error:
        raise ImportRefused([Problem(line, message) for line, message in error.problems]) from None
    if not questions:
        raise ImportRefused([Problem(1, _l("the file holds no question"))])
    start = (
        db.session.scalar(
            select(func.coalesce(func.max(Question.position), 0)).where(
                Question.course_id == course.id
            )
        )
        or 0
    )
    now = utcnow()
    db.session.execute(
        insert(Question),
        [
            {
                "course_id": course.id,
                "category": q.category[:255],
                "kind": q.kind,
                "title": q.title[:255],
                "content": to_content(q),
                "position": start + index,
                "created_at": now,
                "updated_at": now,
            }
            for index, q in enumerate(questions, start=1)
        ],
    )
    audit.record("questions.import", course, actor=actor, after={"questions": len(questions)})
    return len(questions)


def bank(course: Course) -> list[Question]:
    return list(
        db.session.scalars(
            select(Question)
            .where(Question.course_id == course.id)
            .order_by(Question.category, Question.position)
        )
    )


def save_question(
    course: Course,
    question: Question | None,
    checked: gift.Question,
    ignore_diacritics: bool,
    *,
    actor: User,
) -> Question:
    """Write a question from the editor (checked by a GIFT round trip), new at the end of the
    bank or over ``question``, and audit it."""
    now = utcnow()
    before = None
    if question is None:
        last = (
            db.session.scalar(
                select(func.coalesce(func.max(Question.position), 0)).where(
                    Question.course_id == course.id
                )
            )
            or 0
        )
        question = Question(course_id=course.id, position=last + 1, created_at=now)
        db.session.add(question)
    else:
        before = dict(question.content)
    question.category = checked.category
    question.kind = checked.kind
    question.title = checked.title
    question.content = to_content(checked)
    question.ignore_diacritics = ignore_diacritics
    question.updated_at = now
    db.session.flush()
    audit.record(
        "questions.create" if before is None else "questions.update",
        audit.Target("question", question.id, question.title or course.slug),
        actor=actor,
        before=before,
        after=question.content,
    )
    return question


def export_gift(course: Course) -> str:
    """The course's bank as GIFT, which import_gift reads back to the same questions."""
    return gift.write([from_content(question.content) for question in bank(course)])


# ---- course folders ------------------------------------------------------------------------
# A folder's .gift files are the source of the questions read from them (a quiz defined in
# course.md draws from the file of its name). As for modules, each question remembers the
# content the file and the database last agreed on: a file that did not change leaves the bank
# alone, a changed file's questions follow it, and a file changed while one of its questions
# was edited on the web is a conflict.


def _digest(content: dict[str, Any]) -> str:
    encoded = json.dumps(content, ensure_ascii=False, sort_keys=True).encode()
    return hashlib.sha256(encoded).hexdigest()


def _by_source(course_id: int) -> dict[str, list[Question]]:
    grouped: dict[str, list[Question]] = {}
    for question in db.session.scalars(
        select(Question)
        .where(Question.course_id == course_id, Question.source.is_not(None))
        .order_by(Question.position)
    ):
        # (source is set: the query asked for it.)
        grouped.setdefault(cast(str, question.source), []).append(question)
    return grouped


def folder_conflicts(
    course_id: int | None, files: dict[str, list[gift.Question]]
) -> list[tuple[str, int]]:
    """The .gift files whose questions changed both in the folder and on the web, each with
    the line of the first question of the file that differs from the last sync."""
    if course_id is None:
        return []
    conflicts = []
    for name, questions in _by_source(course_id).items():
        edited = any(_digest(q.content) != q.synced_hash for q in questions)
        wanted = files.get(name, [])
        synced = [q.synced_hash for q in questions]
        digests = [_digest(to_content(q)) for q in wanted]
        if not edited or digests == synced:
            continue
        differs = next(
            (
                index
                for index, digest in enumerate(digests)
                if index >= len(synced) or digest != synced[index]
            ),
            len(digests) - 1,
        )
        conflicts.append((name, wanted[differs].line if wanted else 1))
    return conflicts


def sync_folder_files(course: Course, files: dict[str, list[gift.Question]]) -> tuple[int, int]:
    """Make the questions of every changed .gift file follow the file; returns (added,
    removed). A question the file still holds unchanged keeps its row (and its results);
    attempts keep the snapshots they started with either way."""
    added = removed = 0
    current = _by_source(course.id)
    last = (
        db.session.scalar(
            select(func.coalesce(func.max(Question.position), 0)).where(
                Question.course_id == course.id
            )
        )
        or 0
    )
    now = utcnow()
    for name in sorted(set(current) | set(files)):
        questions = files.get(name, [])
        wanted = [_digest(to_content(q)) for q in questions]
        existing = current.get(name, [])
        if wanted == [q.synced_hash for q in existing]:
            continue  # the file did not change since the last sync: web edits stand
        unchanged: dict[str, list[Question]] = {}
        for question in existing:
            unchanged.setdefault(question.synced_hash or "", []).append(question)
        for index, (parsed, digest) in enumerate(zip(questions, wanted, strict=True), 1):
            kept = unchanged.get(digest)
            if kept:
                kept.pop(0).position = last + index
                continue
            db.session.add(
                Question(
                    course_id=course.id,
                    category=parsed.category[:255],
                    kind=parsed.kind,
                    title=parsed.title[:255],
                    content=to_content(parsed),
                    source=name,
                    synced_hash=digest,
                    position=last + index,
                    created_at=now,
                    updated_at=now,
                )
            )
            added += 1
        for gone in unchanged.values():
            for question in gone:
                db.session.delete(question)  # attempts keep their snapshots
                removed += 1
        last += len(questions)
    db.session.flush()
    return added, removed


def folder_files(course: Course) -> dict[str, str]:
    """The bank as .gift files for a course folder, by file name. Questions written on the web
    go to questions.gift, which becomes their source (they were exported for a folder)."""
    files: dict[str, list[Question]] = {}
    for question in bank(course):
        if question.source is None:
            question.source, question.synced_hash = "questions.gift", _digest(question.content)
        files.setdefault(question.source, []).append(question)
    db.session.flush()
    return {
        name: gift.write([from_content(q.content) for q in sorted(qs, key=lambda q: q.position)])
        for name, qs in files.items()
    }
