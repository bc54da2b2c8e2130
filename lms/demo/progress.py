"""One cadre's way through one course in the large demo: when (and whether) they start, the
modules they read, their attempts at the course's required quiz, and when the completion rule
was met. Pure computation: the demo writes the rows."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from lms.demo.timeline import Clock

DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class QuizFacts:
    id: int
    pass_score: int
    max_attempts: int | None
    time_limit: int | None  # minutes


@dataclass
class Outcome:
    reads: list[dt.datetime] = field(default_factory=list)  # of the course's first modules
    # (started, submitted, passing) of each attempt, in order.
    attempts: list[tuple[dt.datetime, dt.datetime, bool]] = field(default_factory=list)
    completed_at: dt.datetime | None = None


def _clamp(value: float, low: float, high: float) -> float:
    return min(high, max(low, value))


def simulate(
    rng: random.Random,
    clock: Clock,
    enrolled_at: dt.datetime,
    due: dt.date,
    modules: int,
    quiz: QuizFacts | None,
    strength: float,
) -> Outcome:
    """``strength``: how far ahead this person is (their region's pace, a pilot unit, their
    own diligence; 0 is the average). Some never start; the rest finish at a time drawn
    around their due date (early when strong, late when weak), unless they fail the quiz on
    every attempt allowed. Only what happened before now is kept."""
    if rng.random() < _clamp(0.07 - 0.04 * strength, 0.01, 0.25):
        return Outcome()  # never started
    window = max(clock.due_end(due) - enrolled_at, 21 * DAY)
    finish = enrolled_at + window * rng.lognormvariate(-0.1 - 0.35 * strength, 0.5)
    start = enrolled_at + (finish - enrolled_at) * rng.uniform(0.05, 0.5)
    plan: list[tuple[dt.datetime, bool]] = []
    if quiz is not None:
        allowed = quiz.max_attempts or 3
        if rng.random() < _clamp(0.04 - 0.02 * strength, 0.005, 0.12):
            outcomes = [False] * allowed  # every attempt failed: stuck
        else:
            weights = (0.62 + 0.1 * strength, 0.26, 0.12 - 0.04 * strength)
            failed = rng.choices((0, 1, 2), [max(w, 0.02) for w in weights])[0]
            outcomes = [False] * min(failed, allowed - 1) + [True]
        gap = DAY * rng.uniform(1.0, 5.0)
        plan = [(finish - gap * (len(outcomes) - 1 - i), ok) for i, ok in enumerate(outcomes)]
        reads_end = plan[0][0] - dt.timedelta(hours=rng.uniform(1, 30))
    else:
        reads_end = finish
    # Most read in a few sittings soon after starting, then leave the quiz for later.
    reads_end = start + (reads_end - start) * rng.uniform(0.25, 1.0)
    reads_end = max(reads_end, start + dt.timedelta(hours=modules))
    step = (reads_end - start) / max(modules - 1, 1)
    outcome = Outcome()
    for number in range(modules):
        moment = clock.daytime(start + step * number)
        if moment >= clock.now:
            return outcome
        outcome.reads.append(moment)
    last_read = outcome.reads[-1]
    for when, passing in plan:
        started = max(clock.daytime(when), last_read + dt.timedelta(minutes=30))
        assert quiz is not None  # a plan of attempts is made only for a quiz
        limit = quiz.time_limit or 30
        submitted = started + dt.timedelta(seconds=rng.randint(limit * 30, limit * 60 - 20))
        if submitted >= clock.now:
            break
        outcome.attempts.append((started, submitted, passing))
        last_read = submitted
        if passing:
            outcome.completed_at = submitted
    if quiz is None:
        outcome.completed_at = last_read
    return outcome
