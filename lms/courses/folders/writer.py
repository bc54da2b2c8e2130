"""Writing a synced course back as a folder that syncs to the same course (a fixed point)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from lms.courses.folders.model import COURSE_FILE, MODULE_FILE
from lms.courses.folders.quiz_sync import quizzes_of
from lms.courses.models import Course, Module
from lms.quizzes import bank
from lms.quizzes.models import Quiz


def _yaml_value(value: Any) -> str:
    dumped = yaml.safe_dump(value, allow_unicode=True, default_flow_style=True, width=10_000)
    return dumped.removesuffix("\n...\n").rstrip("\n")


def _front_matter_text(values: list[tuple[str, Any]]) -> str:
    lines = []
    for key, value in values:
        if isinstance(value, _Block):
            lines.append(f"{key}:\n{value}")
        elif value is not None:
            lines.append(f"{key}: {_yaml_value(value)}")
    return "---\n" + "\n".join(lines) + "\n---\n"


class _Block(str):
    """Nested settings already written as indented lines."""


def _quizzes_block(quizzes: list[Quiz]) -> _Block | None:
    """The ``quizzes:`` settings of the quizzes defined in the folder: each setting that
    differs from a new quiz's default, and always the title and the pass score."""
    lines = []
    for quiz in sorted(quizzes, key=lambda q: q.slug):
        if quiz.question_file != f"{quiz.slug}.gift":
            continue  # made on the web: it draws from the whole bank and stays there
        if quiz.shuffle_questions == quiz.shuffle_choices:
            shuffle: Any = None if quiz.shuffle_questions else False
        else:
            shuffle = {"questions": quiz.shuffle_questions, "choices": quiz.shuffle_choices}
        values = [
            ("title", quiz.title),
            ("questions", quiz.question_count),
            ("categories", list(quiz.categories) or None),
            ("pass_score", quiz.pass_score),
            ("time_limit_minutes", quiz.time_limit_minutes),
            ("max_attempts", quiz.max_attempts),
            ("grading", None if quiz.grading == "highest" else quiz.grading),
            ("review", None if quiz.review == "score" else quiz.review),
            ("shuffle", shuffle),
        ]
        lines.append(f"  {_yaml_value(quiz.slug)}:")
        lines += [f"    {key}: {_yaml_value(v)}" for key, v in values if v is not None]
    return _Block("\n".join(lines)) if lines else None


def export_course(course: Course, modules: list[Module], target: Path) -> list[Path]:
    """Write ``course`` as a folder under ``target``; returns the files written."""
    folder = target / course.slug
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    course_text = _front_matter_text(
        [
            ("title", course.title),
            ("summary", course.summary or None),
            ("topic", course.topic or None),
            ("status", course.status),
            ("pass_score", course.pass_score),
            ("min_attendance", course.min_attendance),
            ("quizzes", _quizzes_block(list(quizzes_of(course.id).values()))),
            ("required_quizzes", list(course.required_quizzes) or None),
            ("certificate_valid_months", course.certificate_valid_months),
            ("certificate_issuer", course.certificate_issuer or None),
            ("certificate_signer_title", course.certificate_signer_title or None),
        ]
    ) + _body(course.description_md)
    written.append(_write(folder / COURSE_FILE, course_text))
    width = 3 if any(m.position >= 100 for m in modules) else 2
    keep = {COURSE_FILE}
    for module in sorted(modules, key=lambda m: m.position):
        name = f"{module.position:0{width}d}-{module.slug}.md"
        keep.add(name)
        text = _front_matter_text([("title", module.title), ("minutes", module.minutes)])
        written.append(_write(folder / name, text + _body(module.body_md)))
    for name, text in bank.folder_files(course).items():
        keep.add(name)
        written.append(_write(folder / name, text))
    for stale in [*folder.glob("*.md"), *folder.glob("*.gift")]:
        if stale.name not in keep and (MODULE_FILE.match(stale.name) or stale.suffix == ".gift"):
            stale.unlink()  # a module or question file gone since the last export
    return written


def _body(text: str) -> str:
    return "\n" + text + "\n" if text else ""


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8", newline="\n")
    return path
