"""Writing course folders into the database: idempotent, one revision per changed module, a
three-way merge of settings against what the last sync saw, and nothing changed for a course
whose folder has an error."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

from flask_babel import lazy_gettext as _l

from lms.courses import module_editing, services
from lms.courses.folders.merge import digest, three_way
from lms.courses.folders.model import (
    COURSE_FILE,
    SYNC_AUTHOR,
    FolderProblem,
    FolderRefused,
    ParsedCourse,
    SyncReport,
)
from lms.courses.folders.quiz_sync import quiz_decisions, quizzes_of, sync_quizzes
from lms.courses.folders.reader import course_settings, parse_folder
from lms.courses.models import Module
from lms.courses.signals import announce_progress
from lms.errors import InvalidInput
from lms.extensions import db
from lms.quizzes import bank


def course_folders(root: Path) -> list[Path]:
    """Every visible sub-folder is a course (one without course.md is reported, not skipped)."""
    return sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith((".", "_")))


@dataclass
class FolderSyncResult:
    reports: list[SyncReport] = field(default_factory=list)
    refused: dict[str, list[FolderProblem]] = field(default_factory=dict)


def sync_folders(root: Path) -> FolderSyncResult:
    """Sync every course folder under ``root``; a course with a problem is left untouched
    while the others are synced."""
    result = FolderSyncResult()
    for folder in course_folders(root):
        try:
            parsed = parse_folder(folder)
        except FolderRefused as refused:
            result.refused[folder.name] = refused.problems
            continue
        savepoint = db.session.begin_nested()
        try:
            result.reports.append(sync_course(parsed))
            savepoint.commit()
        except FolderRefused as refused:
            savepoint.rollback()
            result.refused[folder.name] = refused.problems
        except InvalidInput as error:
            savepoint.rollback()
            result.refused[folder.name] = [
                FolderProblem(f"{folder.name}/{COURSE_FILE}", 0, str(error.message))
            ]
    return result


# ---- writing into the database ---------------------------------------------------------------


def _course_digest(settings: services.CourseSettings, status: str) -> str:
    return digest(dataclasses.asdict(settings), status)


def _module_digest(position: int, title: str, minutes: int, body: str) -> str:
    return digest(position, title, minutes, body)


def sync_course(parsed: ParsedCourse) -> SyncReport:
    """Make the database follow one parsed folder, never overwriting a web edit silently.

    Each course and module remembers the content the folder and the database last agreed on;
    what changed on one side only is taken from that side, what changed on both is refused.
    """
    report = SyncReport(slug=parsed.slug)
    path = f"{parsed.slug}/{COURSE_FILE}"
    course = services.get_course(parsed.slug, with_modules=True)
    settings = course_settings(parsed.settings, parsed.description)
    status = parsed.settings.get("status", "draft")
    file_digest = _course_digest(settings, status)
    problems: list[FolderProblem] = []
    if course is None:
        course_decision = "file"
        db_modules: dict[str, Module] = {}
    else:
        db_settings = services.CourseSettings(**services.settings_snapshot(course))
        course_decision = three_way(
            file_digest, _course_digest(db_settings, course.status), course.synced_hash
        )
        db_modules = {m.slug: m for m in course.modules}
    decided_quizzes, removed_quizzes = quiz_decisions(parsed, course, problems)
    # A course requires quizzes it has: those of the folder and those made on the web.
    required = (
        settings.required_quizzes
        if course_decision == "file" or course is None
        else list(course.required_quizzes or [])
    )
    known = {q.slug for q in parsed.quizzes} | (
        set(quizzes_of(course.id)) - {q.slug for q in removed_quizzes} if course else set()
    )
    unknown = [name for name in required if name not in known]
    if unknown:
        problems.append(
            FolderProblem(
                path,
                parsed.setting_lines.get("required_quizzes", 2),
                _l(
                    "required_quizzes names quizzes this course does not have: %(names)s; "
                    "define them under quizzes: (or create them on the web), then sync again",
                    names=", ".join(unknown),
                ),
            )
        )
    if course_decision == "conflict":
        problems.append(
            FolderProblem(
                path,
                0,
                str(
                    _l(
                        "the course's settings were changed on the web since the last sync; "
                        "export the course and merge the changes into the folder"
                    )
                ),
            )
        )

    decisions: dict[str, str] = {}
    for parsed_module in parsed.modules:
        module = db_modules.get(parsed_module.slug)
        digest = _module_digest(
            parsed_module.position, parsed_module.title, parsed_module.minutes, parsed_module.body
        )
        db_digest = (
            None
            if module is None
            else _module_digest(module.position, module.title, module.minutes, module.body_md)
        )
        decisions[parsed_module.slug] = three_way(
            digest, db_digest, module.synced_hash if module else None
        )
        if decisions[parsed_module.slug] == "conflict":
            problems.append(
                FolderProblem(
                    f"{parsed.slug}/{parsed_module.position:02d}-{parsed_module.slug}.md",
                    0,
                    str(
                        _l(
                            "this module was changed on the web since the last sync; "
                            "export the course and merge the changes into the file"
                        )
                    ),
                )
            )
    removed: list[Module] = []
    for slug, module in db_modules.items():
        if slug in decisions or module.synced_hash is None:
            continue  # modules written on the web are not the folder's to delete
        current = _module_digest(module.position, module.title, module.minutes, module.body_md)
        if current != module.synced_hash:
            problems.append(
                FolderProblem(
                    path,
                    0,
                    str(
                        _l(
                            "module %(slug)s is gone from the folder but was changed on "
                            "the web since the last sync",
                            slug=slug,
                        )
                    ),
                )
            )
        removed.append(module)
    kept_modules = len(parsed.modules) + sum(
        1 for slug, m in db_modules.items() if slug not in decisions and m.synced_hash is None
    )
    final_status = status if course_decision == "file" else (course.status if course else status)
    if final_status == "published" and not kept_modules:
        problems.append(FolderProblem(path, 0, str(_l("a published course needs a module"))))
    for name, line in bank.folder_conflicts(course.id if course else None, parsed.gift_files):
        problems.append(
            FolderProblem(
                f"{parsed.slug}/{name}",
                line,
                _l(
                    "questions of this file were changed on the web since the last sync; "
                    "export the course and merge the changes into the file"
                ),
            )
        )
    if problems:
        raise FolderRefused(problems)

    if course is None:
        services.create_course(
            slug=parsed.slug, title=settings.title, owner=None, actor=SYNC_AUTHOR
        )
        course = services.get_course(parsed.slug, with_modules=True)
        report.created = True
    assert course is not None
    for module in removed:
        module_editing.delete_module(module, actor=None)
        report.modules_removed += 1
    message = str(_l("Synced from the course folder"))
    for parsed_module in parsed.modules:
        decision = decisions[parsed_module.slug]
        module = db_modules.get(parsed_module.slug)
        if decision == "file" and module is None:
            module = module_editing.add_module(
                course,
                title=parsed_module.title,
                minutes=parsed_module.minutes,
                body_md=parsed_module.body,
                slug=parsed_module.slug,
                author=SYNC_AUTHOR,
                message=message,
                position=parsed_module.position,
            )
            report.modules_added += 1
        elif decision == "file" and module is not None:
            if module_editing.save_module(
                module,
                base_revision=module.revision,
                title=parsed_module.title,
                minutes=parsed_module.minutes,
                body_md=parsed_module.body,
                author=SYNC_AUTHOR,
                message=message,
            ):
                report.modules_changed += 1
            if module.position != parsed_module.position:
                module.position = parsed_module.position
                report.modules_moved += 1
        if module is not None and decision in ("file", "same"):
            digest = _module_digest(module.position, module.title, module.minutes, module.body_md)
            if module.synced_hash != digest:
                module.synced_hash = digest
    report.questions_added, report.questions_removed = bank.sync_folder_files(
        course, parsed.gift_files
    )
    sync_quizzes(course, parsed, decided_quizzes, removed_quizzes, report)
    if course_decision == "file":
        report.settings_changed = services.update_course(course, settings, actor=SYNC_AUTHOR)
        if status != course.status:
            services.set_status(course, status, actor=SYNC_AUTHOR)
            report.settings_changed = True
    if course_decision in ("file", "same") and course.synced_hash != file_digest:
        course.synced_hash = file_digest
    db.session.flush()
    if report.modules_added or report.modules_removed:
        announce_progress(course.id, None)
    return report
