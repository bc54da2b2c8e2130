"""The large demo's quiz attempts, written set-based but as the engine would have left them:
each submitted attempt has its frozen questions (AttemptQuestion: the question's snapshot and
the order its choices were shown in), its answers (stored as the engine stores them, with the
credit the grader gives; essays graded by a trainer), and its score and pass computed from
those credits exactly as lms.quizzes.attempts grades.

A few dozen draws of questions are made per quiz (as starting an attempt draws them); each
attempt takes one, with its own set of wrong and blank answers. The attempts' questions and
answers are then copied by the database from scratch tables (INSERT ... SELECT), so that the
million rows of a province never pass through Python one by one. The snapshots are copied as
UTF-8 JSON text: the same value the engine stores (its text escapes every Vietnamese letter),
in little more than half the space.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Float,
    Integer,
    Text,
    case,
    insert,
    literal,
    null,
    select,
)
from sqlalchemy.types import UserDefinedType

from lms.database import UTCDateTime
from lms.demo.bulk import insert_rows, plus_seconds, scratch_table
from lms.demo.training import answer_as_sent
from lms.extensions import db
from lms.quizzes import drawing, grading, responses
from lms.quizzes.models import Answer, Attempt, AttemptQuestion, Quiz

DRAWS = 40  # question draws per quiz
MAX_MASKED = 62  # wrong answers are marked in a 64-bit mask of positions


@dataclass
class Slot:
    question_id: int
    order: list[int]
    right: dict[str, Any]
    wrong: dict[str, Any]
    credit_right: float
    credit_wrong: float
    essay: bool


@dataclass
class QuizDraws:
    quiz: Quiz
    snapshots: dict[int, dict[str, Any]]
    draws: list[list[Slot]]


@dataclass
class Planned:
    """Attempts waiting to be written, and what the scratch tables need for them."""

    rows: list[dict[str, Any]] = field(default_factory=list)  # Attempt rows
    details: list[dict[str, Any]] = field(default_factory=list)  # draw and mask of each


def prepare(quiz: Quiz, rng: random.Random) -> QuizDraws:
    """``DRAWS`` draws of the quiz's questions, as start_attempt draws and shuffles them, with
    a right and a wrong response to each (as the attempt page sends them, stored as the
    engine stores them) and the credit each earns."""
    pool = drawing.question_pool(quiz)
    wanted = quiz.question_count or len(pool)
    if not pool or len(pool) < wanted:
        raise ValueError(f"quiz {quiz.slug}: the bank holds fewer questions than it asks for")
    snapshots = {question.id: drawing.frozen_snapshot(question) for question in pool}
    draws = []
    for _ in range(DRAWS):
        chosen = rng.sample(pool, wanted) if wanted < len(pool) else list(pool)
        if quiz.shuffle_questions:
            rng.shuffle(chosen)
        slots = []
        for question in chosen:
            snapshot = snapshots[question.id]
            order = drawing.shuffled_order(snapshot, shuffle=quiz.shuffle_choices, rng=rng)
            right, wrong = (
                responses.checked_response(
                    snapshot, order, answer_as_sent(snapshot, order, right=ok)
                )
                for ok in (True, False)
            )
            essay = snapshot["kind"] == "essay"
            slots.append(
                Slot(
                    question.id,
                    order,
                    right,
                    wrong,
                    1.0 if essay else grading.credit(snapshot, right) or 0.0,
                    0.0 if essay else grading.credit(snapshot, wrong) or 0.0,
                    essay,
                )
            )
        draws.append(slots)
    return QuizDraws(quiz, snapshots, draws)


def _score(slots: list[Slot], mask: int) -> float:
    earned = 0.0
    for position, slot in enumerate(slots, start=1):
        if not mask >> position & 1:
            earned += slot.credit_right
        elif position % 2:  # a wrong answer (even positions wrong are left blank: no credit)
            earned += slot.credit_wrong
    return round(100.0 * earned / len(slots), 2)


def plan_attempt(
    planned: Planned,
    draws: QuizDraws,
    rng: random.Random,
    user_id: int,
    number: int,
    started: dt.datetime,
    submitted: dt.datetime,
    passing: bool,
    strength: float,
) -> float:
    """Plan one graded attempt that passes or fails as asked; returns its score."""
    quiz = draws.quiz
    index = rng.randrange(len(draws.draws))
    slots = draws.draws[index]
    positions = list(range(1, min(len(slots), MAX_MASKED) + 1))
    if passing:
        wrong = rng.choices((0, 1, 2), (0.35 + 0.2 * max(strength, -1.5), 0.4, 0.25))[0]
    else:
        wrong = rng.randint(3, 6)
    wrong = min(wrong, len(positions))
    rng.shuffle(positions)
    mask = sum(1 << p for p in positions[:wrong])
    score = _score(slots, mask)
    # Partial credits can move a score across the pass mark: fewer (or more) wrong answers.
    while (score >= quiz.pass_score) != passing:
        wrong += -1 if passing else 1
        if not 0 <= wrong <= len(positions):
            raise ValueError(f"quiz {quiz.slug}: no draw passes or fails as planned")
        mask = sum(1 << p for p in positions[:wrong])
        score = _score(slots, mask)
    planned.rows.append(
        {
            "quiz_id": quiz.id,
            "user_id": user_id,
            "number": number,
            "state": "graded",
            "started_at": started,
            "deadline": started + dt.timedelta(minutes=quiz.time_limit_minutes)
            if quiz.time_limit_minutes
            else None,
            "submitted_at": submitted,
            "score": score,
            "passed": score >= quiz.pass_score,
        }
    )
    step = int((submitted - started).total_seconds()) // (len(slots) + 1)
    planned.details.append(
        {"quiz_id": quiz.id, "draw": index, "mask": mask, "started_at": started, "step": step}
    )
    return score


class _JSON(UserDefinedType[str]):
    """PostgreSQL's JSON, written as the text given (already JSON)."""

    cache_ok = True

    def get_col_spec(self, **_kw: Any) -> str:
        return "JSON"


# JSON text in a scratch table: checked once per question on PostgreSQL, then copied as it is.
JSON_TEXT = Text().with_variant(_JSON(), "postgresql")


def write(planned: Planned, prepared: list[QuizDraws], grader_id: int | None) -> int:
    """Insert the planned attempts, then their questions and answers from scratch tables."""
    if not planned.rows:
        return 0
    insert_rows(Attempt.__table__, planned.rows)
    made_ids = {
        (quiz_id, user_id, number): attempt_id
        for attempt_id, quiz_id, user_id, number in db.session.execute(
            select(Attempt.id, Attempt.quiz_id, Attempt.user_id, Attempt.number)
        )
    }
    ids = [made_ids[row["quiz_id"], row["user_id"], row["number"]] for row in planned.rows]
    with (
        scratch_table(
            "demo_snapshots", Column("question_id", Integer), Column("snapshot", JSON_TEXT)
        ) as snapshots,
        scratch_table(
            "demo_slots",
            *(Column(name, Integer) for name in ("quiz_id", "draw", "position", "question_id")),
            Column("choice_order", JSON),
            Column("right_response", JSON),
            Column("wrong_response", JSON),
            Column("credit_right", Float),
            Column("credit_wrong", Float),
            Column("essay", Boolean),
        ) as slots,
        scratch_table(
            "demo_attempts",
            *(Column(name, Integer) for name in ("attempt_id", "quiz_id", "draw", "step")),
            Column("mask", BigInteger),
            Column("started_at", UTCDateTime()),
        ) as made,
    ):
        insert_rows(
            snapshots,
            [
                {"question_id": question_id, "snapshot": json.dumps(snapshot, ensure_ascii=False)}
                for draws in prepared
                for question_id, snapshot in draws.snapshots.items()
            ],
        )
        insert_rows(
            slots,
            [
                {
                    "quiz_id": draws.quiz.id,
                    "draw": index,
                    "position": position,
                    "question_id": slot.question_id,
                    "choice_order": slot.order,
                    "right_response": slot.right,
                    "wrong_response": slot.wrong,
                    "credit_right": slot.credit_right,
                    "credit_wrong": slot.credit_wrong,
                    "essay": slot.essay,
                }
                for draws in prepared
                for index, slotted in enumerate(draws.draws)
                for position, slot in enumerate(slotted, start=1)
            ],
        )
        insert_rows(
            made, [{"attempt_id": i, **d} for i, d in zip(ids, planned.details, strict=True)]
        )
        joined = (
            select()
            .select_from(made)
            .join(slots, (slots.c.quiz_id == made.c.quiz_id) & (slots.c.draw == made.c.draw))
        )
        db.session.execute(
            insert(AttemptQuestion).from_select(
                ["attempt_id", "position", "question_id", "snapshot", "choice_order"],
                joined.add_columns(
                    made.c.attempt_id,
                    slots.c.position,
                    slots.c.question_id,
                    snapshots.c.snapshot,
                    slots.c.choice_order,
                ).join(snapshots, snapshots.c.question_id == slots.c.question_id),
            )
        )
        wrong = made.c.mask.op(">>")(slots.c.position).op("&")(1) == 1
        db.session.execute(
            insert(Answer).from_select(
                [
                    "attempt_id",
                    "position",
                    "response",
                    "saved_at",
                    "credit",
                    "graded_by",
                    "comment",
                ],
                joined.add_columns(
                    made.c.attempt_id,
                    slots.c.position,
                    case((wrong, slots.c.wrong_response), else_=slots.c.right_response),
                    plus_seconds(made.c.started_at, made.c.step * slots.c.position),
                    case((wrong, slots.c.credit_wrong), else_=slots.c.credit_right),
                    case((slots.c.essay, literal(grader_id, Integer)), else_=null()),
                    literal(""),
                ).where(~(wrong & (slots.c.position % 2 == 0))),
            )
        )
    return len(ids)
