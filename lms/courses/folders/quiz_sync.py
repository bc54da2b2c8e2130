"""The quizzes of a course folder, synced: the three-way decision for each quiz course.md
defines, the quizzes it no longer defines (deleted unless edited on the web or taken by
cadres), then creating, updating and deleting them as decided."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, select

from lms.courses.folders.merge import digest, three_way
from lms.courses.folders.model import (
    COURSE_FILE,
    FOLDER_QUIZ_SETTINGS,
    SYNC_AUTHOR,
    FolderProblem,
    ParsedCourse,
    SyncReport,
)
from lms.courses.models import Course
from lms.extensions import db
from lms.quizzes import services as quiz_services
from lms.quizzes.models import Attempt, Quiz


def _quiz_digest(settings: dict[str, Any], question_file: str | None) -> str:
    return digest({name: settings[name] for name in FOLDER_QUIZ_SETTINGS}, question_file)


def db_quiz_digest(quiz: Quiz) -> str:
    return _quiz_digest(
        {name: getattr(quiz, name) for name in FOLDER_QUIZ_SETTINGS}, quiz.question_file
    )


def quizzes_of(course_id: int) -> dict[str, Quiz]:
    return {
        quiz.slug: quiz
        for quiz in db.session.scalars(select(Quiz).where(Quiz.course_id == course_id))
    }


def _has_attempts(quiz: Quiz) -> bool:
    return db.session.scalar(select(exists().where(Attempt.quiz_id == quiz.id))) or False


def quiz_decisions(
    parsed: ParsedCourse, course: Course | None, problems: list[FolderProblem]
) -> tuple[dict[str, str], list[Quiz]]:
    """The three-way decision for each quiz of the folder, and the quizzes the folder no
    longer defines (to delete); problems for changes on both sides and for quizzes that
    cannot go."""
    path = f"{parsed.slug}/{COURSE_FILE}"
    db_quizzes = quizzes_of(course.id) if course is not None else {}
    decisions: dict[str, str] = {}
    for parsed_quiz in parsed.quizzes:
        quiz = db_quizzes.get(parsed_quiz.slug)
        decision = three_way(
            _quiz_digest(parsed_quiz.settings, parsed_quiz.question_file),
            None if quiz is None else db_quiz_digest(quiz),
            None if quiz is None else quiz.synced_hash,
        )
        decisions[parsed_quiz.slug] = decision
        if decision == "conflict":
            problems.append(
                FolderProblem(
                    path,
                    parsed_quiz.line,
                    _l(
                        "quiz %(quiz)s was changed on the web since the last sync; export the "
                        "course and merge the changes into course.md",
                        quiz=parsed_quiz.slug,
                    )
                    if quiz is not None and quiz.synced_hash is not None
                    else _l(
                        "the course already has a quiz %(quiz)s, made on the web and set up "
                        "differently; export the course and merge it into course.md",
                        quiz=parsed_quiz.slug,
                    ),
                )
            )
    removed = []
    for slug, quiz in db_quizzes.items():
        if slug in decisions or quiz.synced_hash is None:
            continue  # quizzes made on the web are not the folder's to delete
        if db_quiz_digest(quiz) != quiz.synced_hash:
            problems.append(
                FolderProblem(
                    path,
                    parsed.setting_lines.get("quizzes", 0),
                    _l(
                        "quiz %(quiz)s is gone from course.md but was changed on the web "
                        "since the last sync",
                        quiz=slug,
                    ),
                )
            )
        elif _has_attempts(quiz):
            problems.append(
                FolderProblem(
                    path,
                    parsed.setting_lines.get("quizzes", 0),
                    _l(
                        "quiz %(quiz)s is gone from course.md but cadres have taken it; "
                        "their results would be lost: put it back",
                        quiz=slug,
                    ),
                )
            )
        removed.append(quiz)
    return decisions, removed


def sync_quizzes(
    course: Course,
    parsed: ParsedCourse,
    decisions: dict[str, str],
    removed: list[Quiz],
    report: SyncReport,
) -> None:
    """Create, update and delete the folder's quizzes as decided (after the questions, before
    the course's settings, which may require them)."""
    for gone in removed:
        db.session.delete(gone)
        report.quizzes_removed += 1
    db.session.flush()
    for parsed_quiz in parsed.quizzes:
        decision = decisions[parsed_quiz.slug]
        quiz = quiz_services.get_quiz(course, parsed_quiz.slug)
        if decision == "file" and quiz is None:
            quiz = quiz_services.create_quiz(
                course,
                slug=parsed_quiz.slug,
                actor=SYNC_AUTHOR,
                published=True,
                **parsed_quiz.settings,
            )
            quiz.question_file = parsed_quiz.question_file
            report.quizzes_added += 1
        elif decision == "file" and quiz is not None:
            quiz_services.update_quiz(quiz, course, actor=SYNC_AUTHOR, **parsed_quiz.settings)
            quiz.question_file = parsed_quiz.question_file
            report.quizzes_changed += 1
        if quiz is not None and decision in ("file", "same"):
            digest = db_quiz_digest(quiz)
            if quiz.synced_hash != digest:
                quiz.synced_hash = digest
    db.session.flush()
