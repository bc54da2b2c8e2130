"""The quizzes a course.md defines under ``quizzes:``, each drawing from its ``.gift`` file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from flask_babel import lazy_gettext as _l

from lms.courses.folders.model import (
    FOLDER_QUIZ_SETTINGS,
    QUIZ_FIELDS,
    QUIZ_KEYS,
    FolderProblem,
    FrontMatter,
    ParsedQuiz,
)
from lms.courses.folders.text_files import read_text
from lms.errors import InvalidInput
from lms.quizzes import gift
from lms.quizzes import services as quiz_services


def _pairs(node: yaml.Node | None) -> list[tuple[str, int, yaml.Node]]:
    """(key, line, value node) of a YAML mapping node, in the file's order."""
    if not isinstance(node, yaml.MappingNode):
        return []
    return [(str(k.value), k.start_mark.line + 2, v) for k, v in node.value]


def parse_quizzes(
    front: FrontMatter,
    rel: str,
    gift_files: dict[str, list[gift.Question]],
    gift_names: set[str],
    problems: list[FolderProblem],
) -> list[ParsedQuiz]:
    """The quizzes of course.md, checked like the web's quiz settings, each with the questions
    of its own .gift file; every problem at its line."""
    quizzes_node = next(
        (value for key, _line, value in _pairs(front.node) if key == "quizzes"), None
    )
    entries = _pairs(quizzes_node)
    if len({key for key, _line, _value in entries}) != len(entries):
        problems.append(
            FolderProblem(rel, front.line("quizzes"), _l("a quiz is defined twice in quizzes"))
        )
        return []
    quizzes = []
    for (slug, line, value_node), value in zip(
        entries, front.values["quizzes"].values(), strict=True
    ):
        quiz = _parse_quiz(slug, line, value_node, value, rel, problems)
        if quiz is None:
            continue
        if quiz.question_file not in gift_names:
            problems.append(
                FolderProblem(
                    rel,
                    line,
                    _l(
                        "the questions of quiz %(quiz)s come from %(file)s, which is not in "
                        "the folder",
                        quiz=slug,
                        file=quiz.question_file,
                    ),
                )
            )
            continue
        if quiz.question_file not in gift_files:
            continue  # the file has problems of its own, reported with their lines
        pool = _quiz_pool(gift_files[quiz.question_file], quiz.settings["categories"])
        wanted = quiz.settings["question_count"] or 1
        if len(pool) < wanted:
            key = "questions" if quiz.settings["question_count"] else "categories"
            problems.append(
                FolderProblem(
                    rel,
                    _key_line(value_node, key, line),
                    _l(
                        "quiz %(quiz)s asks for %(need)s questions but %(file)s holds "
                        "%(have)s it can draw",
                        quiz=slug,
                        need=wanted,
                        file=quiz.question_file,
                        have=len(pool),
                    ),
                )
            )
            continue
        quizzes.append(quiz)
    return quizzes


def _key_line(node: yaml.Node, key: str, default: int) -> int:
    return next((line for name, line, _value in _pairs(node) if name == key), default)


def _parse_quiz(
    slug: str,
    line: int,
    node: yaml.Node,
    value: Any,
    rel: str,
    problems: list[FolderProblem],
) -> ParsedQuiz | None:
    if not isinstance(value, dict):
        problems.append(
            FolderProblem(
                rel,
                line,
                _l("the settings of quiz %(quiz)s must be key: value lines", quiz=slug),
            )
        )
        return None
    pairs = _pairs(node)
    lines = {key: key_line for key, key_line, _value in pairs}
    count = len(problems)
    if len(lines) != len(pairs):
        problems.append(
            FolderProblem(rel, line, _l("quiz %(quiz)s gives a setting twice", quiz=slug))
        )
    for key, setting in value.items():
        where = lines.get(str(key), line)
        if key not in QUIZ_KEYS:
            problems.append(
                FolderProblem(
                    rel,
                    where,
                    _l(
                        "unknown quiz setting “%(key)s”; the settings are: %(known)s",
                        key=key,
                        known=", ".join(QUIZ_KEYS),
                    ),
                )
            )
        elif not isinstance(setting, QUIZ_KEYS[key]) or (
            isinstance(setting, bool) and bool not in QUIZ_KEYS[key]
        ):
            problems.append(FolderProblem(rel, where, _l("“%(key)s” has the wrong type", key=key)))
    shuffle = value.get("shuffle", True)
    if isinstance(shuffle, dict) and (
        set(shuffle) - {"questions", "choices"}
        or not all(isinstance(v, bool) for v in shuffle.values())
    ):
        problems.append(
            FolderProblem(
                rel,
                lines.get("shuffle", line),
                _l("shuffle is true, false, or {questions: true|false, choices: true|false}"),
            )
        )
    if len(problems) > count:
        return None
    if isinstance(shuffle, bool):
        shuffle = {"questions": shuffle, "choices": shuffle}
    given = {QUIZ_FIELDS[key]: setting for key, setting in value.items() if key in QUIZ_FIELDS}
    try:
        settings = quiz_services.check_settings(
            {
                **given,
                "slug": slug,
                "shuffle_questions": shuffle.get("questions", True),
                "shuffle_choices": shuffle.get("choices", True),
            }
        )
    except InvalidInput as error:
        key = {field: key for key, field in QUIZ_FIELDS.items()}.get(error.field or "")
        problems.append(
            FolderProblem(
                rel,
                lines.get(key, line) if key else line,
                _l("quiz %(quiz)s: %(problem)s", quiz=slug, problem=error.message),
            )
        )
        return None
    return ParsedQuiz(
        slug=slug, settings={name: settings[name] for name in FOLDER_QUIZ_SETTINGS}, line=line
    )


def _quiz_pool(questions: list[gift.Question], categories: list[str]) -> list[gift.Question]:
    """The questions of a file that a quiz with these categories draws from (as attempts'
    pool does in the bank)."""
    return [
        q
        for q in questions
        if q.kind != "description"
        and (
            not categories
            or any(q.category == c or q.category.startswith(c + "/") for c in categories)
        )
    ]


def parse_gift(path: Path, rel: str, problems: list[FolderProblem]) -> list[gift.Question] | None:
    if len(path.name) > 120:
        problems.append(FolderProblem(rel, 0, _l("the file name is too long")))
        return None
    text = read_text(path, rel, problems)
    if text is None:
        return None
    try:
        return gift.parse(text)
    except gift.GiftError as error:
        problems.extend(FolderProblem(rel, line, message) for line, message in error.problems)
        return None
