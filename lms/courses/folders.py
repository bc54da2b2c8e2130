"""Course folders (``courses/<slug>/``): sync them into the database and write them back.

A folder holds ``course.md`` (YAML front matter + description) and ``NN-<slug>.md`` modules.
Syncing is idempotent: an unchanged folder writes nothing; a changed module becomes a new
revision by the sync; a folder with any error changes nothing of its course. Exporting a
synced course gives files that sync back to the same course (a fixed point).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from flask_babel import lazy_gettext as _l

from lms.courses import services
from lms.courses.models import COURSE_STATUSES, Course, Module
from lms.errors import InvalidInput
from lms.extensions import db

COURSE_FILE = "course.md"
MODULE_FILE = re.compile(r"^(\d{2,3})-([a-z0-9][a-z0-9-]{0,79})\.md$")
SYNC_AUTHOR = "courses-sync"

COURSE_KEYS: dict[str, tuple[type, ...]] = {
    "title": (str,),
    "summary": (str,),
    "topic": (str,),
    "status": (str,),
    "pass_score": (int, type(None)),
    "min_attendance": (int, type(None)),
    "required_quizzes": (list,),
    "certificate_valid_months": (int, type(None)),
}
MODULE_KEYS: dict[str, tuple[type, ...]] = {"title": (str,), "minutes": (int,)}


@dataclass(frozen=True)
class FolderProblem:
    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


class FolderRefused(Exception):
    def __init__(self, problems: list[FolderProblem]) -> None:
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems


@dataclass
class ParsedModule:
    position: int
    slug: str
    title: str
    minutes: int
    body: str


@dataclass
class ParsedCourse:
    slug: str
    settings: dict[str, Any]
    description: str
    modules: list[ParsedModule] = field(default_factory=list)


@dataclass
class SyncReport:
    slug: str
    created: bool = False
    settings_changed: bool = False
    modules_added: int = 0
    modules_changed: int = 0
    modules_removed: int = 0
    modules_moved: int = 0

    @property
    def changed(self) -> bool:
        return any(
            [
                self.created,
                self.settings_changed,
                self.modules_added,
                self.modules_changed,
                self.modules_removed,
                self.modules_moved,
            ]
        )


# ---- reading ---------------------------------------------------------------------------------


def _split_front_matter(
    text: str, path: str, problems: list[FolderProblem]
) -> tuple[str, str, int] | None:
    """(front matter, body, line of the body's first line) or None with a problem noted."""
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        problems.append(
            FolderProblem(
                path,
                1,
                str(_l("the file must start with a front matter block between two --- lines")),
            )
        )
        return None
    for index in range(1, len(lines)):
        if lines[index].strip() == "---":
            return "\n".join(lines[1:index]), "\n".join(lines[index + 1 :]), index + 2
    problems.append(FolderProblem(path, 1, str(_l("the front matter is not closed by ---"))))
    return None


def _front_matter(
    source: str, path: str, allowed: dict[str, tuple[type, ...]], problems: list[FolderProblem]
) -> dict[str, Any] | None:
    """Parse YAML; report bad syntax, unknown keys and wrong types at their line."""
    try:
        node = yaml.compose(source, Loader=yaml.SafeLoader)
        values = yaml.safe_load(source) if node is not None else {}
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 2 if mark is not None else 1
        problems.append(
            FolderProblem(
                path,
                line,
                str(
                    _l(
                        "the front matter is not valid YAML: %(error)s",
                        error=getattr(error, "problem", None) or str(error),
                    )
                ),
            )
        )
        return None
    if not isinstance(values, dict) or not isinstance(node, yaml.MappingNode | type(None)):
        problems.append(
            FolderProblem(path, 2, str(_l("the front matter must be key: value lines")))
        )
        return None
    key_lines = {key.value: key.start_mark.line + 2 for key, _ in (node.value if node else [])}
    ok = True
    for key, value in values.items():
        line = key_lines.get(str(key), 2)
        if key not in allowed:
            problems.append(
                FolderProblem(
                    path,
                    line,
                    str(
                        _l(
                            "unknown setting “%(key)s”; the settings are: %(known)s",
                            key=key,
                            known=", ".join(allowed),
                        )
                    ),
                )
            )
            ok = False
        elif not isinstance(value, allowed[key]) or isinstance(value, bool):
            problems.append(
                FolderProblem(path, line, str(_l("“%(key)s” has the wrong type", key=key)))
            )
            ok = False
    return values if ok else None


def parse_folder(folder: Path) -> ParsedCourse:
    """Read and check one course folder; raise FolderRefused listing every problem."""
    problems: list[FolderProblem] = []
    slug = folder.name
    course_path = folder / COURSE_FILE
    rel = f"{slug}/{COURSE_FILE}"
    if not services.SLUG_PATTERN.match(slug):
        problems.append(
            FolderProblem(
                slug,
                0,
                str(
                    _l(
                        "the folder name is the course's short name: "
                        "lower-case letters, digits, dashes"
                    )
                ),
            )
        )
    settings: dict[str, Any] | None = None
    description = ""
    if not course_path.is_file():
        problems.append(FolderProblem(rel, 0, str(_l("course.md is missing"))))
    else:
        text = _read_text(course_path, rel, problems)
        parts = _split_front_matter(text, rel, problems) if text is not None else None
        if parts is not None:
            settings = _front_matter(parts[0], rel, COURSE_KEYS, problems)
            description = services.normalize_body(parts[1])
            if settings is not None:
                _check_course_settings(settings, rel, problems)
    parsed = ParsedCourse(slug=slug, settings=settings or {}, description=description)
    numbers: dict[int, str] = {}
    slugs: dict[str, str] = {}
    for path in sorted(folder.iterdir()):
        if path.name == COURSE_FILE or path.suffix == ".gift" or path.name.startswith("."):
            continue  # quizzes (*.gift) are synced by the quiz feature
        rel_module = f"{slug}/{path.name}"
        match = MODULE_FILE.match(path.name)
        if path.suffix != ".md" or not path.is_file():
            continue
        if match is None:
            problems.append(
                FolderProblem(
                    rel_module,
                    0,
                    str(_l("a module file is named NN-short-name.md (e.g. 01-mo-dau.md)")),
                )
            )
            continue
        number, module_slug = int(match.group(1)), match.group(2)
        if number in numbers:
            problems.append(
                FolderProblem(
                    rel_module,
                    0,
                    str(
                        _l(
                            "module number %(n)s is also used by %(other)s",
                            n=number,
                            other=numbers[number],
                        )
                    ),
                )
            )
            continue
        if module_slug in slugs:
            problems.append(
                FolderProblem(
                    rel_module,
                    0,
                    str(
                        _l(
                            "short name %(slug)s is also used by %(other)s",
                            slug=module_slug,
                            other=slugs[module_slug],
                        )
                    ),
                )
            )
            continue
        numbers[number], slugs[module_slug] = path.name, path.name
        module = _parse_module(path, rel_module, number, module_slug, problems)
        if module is not None:
            parsed.modules.append(module)
    if problems:
        raise FolderRefused(problems)
    parsed.modules.sort(key=lambda m: m.position)
    return parsed


def _read_text(path: Path, rel: str, problems: list[FolderProblem]) -> str | None:
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        problems.append(
            FolderProblem(
                rel, data[: error.start].count(b"\n") + 1, str(_l("the file is not UTF-8 text"))
            )
        )
        return None
    if "\x00" in text:
        problems.append(
            FolderProblem(
                rel,
                text[: text.index("\x00")].count("\n") + 1,
                str(_l("the file contains a NUL character")),
            )
        )
        return None
    return unicodedata.normalize("NFC", text.replace("\r\n", "\n"))


def _check_course_settings(
    settings: dict[str, Any], rel: str, problems: list[FolderProblem]
) -> None:
    if not str(settings.get("title") or "").strip():
        problems.append(FolderProblem(rel, 2, str(_l("the course needs a title"))))
    if settings.get("status", "draft") not in COURSE_STATUSES:
        problems.append(
            FolderProblem(
                rel,
                2,
                str(_l("status is one of: %(statuses)s", statuses=", ".join(COURSE_STATUSES))),
            )
        )
    quizzes = settings.get("required_quizzes", [])
    if not all(isinstance(q, str) for q in quizzes):
        problems.append(
            FolderProblem(rel, 2, str(_l("required_quizzes is a list of quiz short names")))
        )
    try:
        services.check_settings(_course_settings(settings, ""))
    except InvalidInput as error:
        problems.append(FolderProblem(rel, 2, str(error.message)))


def _parse_module(
    path: Path, rel: str, number: int, slug: str, problems: list[FolderProblem]
) -> ParsedModule | None:
    text = _read_text(path, rel, problems)
    parts = _split_front_matter(text, rel, problems) if text is not None else None
    if parts is None:
        return None
    values = _front_matter(parts[0], rel, MODULE_KEYS, problems)
    if values is None:
        return None
    title = " ".join(str(values.get("title") or "").split())
    minutes = values.get("minutes", 10)
    if not title:
        problems.append(FolderProblem(rel, 2, str(_l("the module needs a title"))))
        return None
    if not 1 <= minutes <= 600:
        problems.append(FolderProblem(rel, 2, str(_l("minutes are between 1 and 600"))))
        return None
    body = services.normalize_body(parts[1])
    if len(body) > services.MAX_BODY_CHARS:
        problems.append(FolderProblem(rel, parts[2], str(_l("the module text is too long"))))
        return None
    return ParsedModule(position=number, slug=slug, title=title, minutes=minutes, body=body)


def _course_settings(settings: dict[str, Any], description: str) -> services.CourseSettings:
    return services.CourseSettings(
        title=settings.get("title", ""),
        summary=settings.get("summary", "") or "",
        topic=settings.get("topic", "") or "",
        description_md=description,
        pass_score=settings.get("pass_score"),
        min_attendance=settings.get("min_attendance"),
        required_quizzes=list(settings.get("required_quizzes") or []),
        certificate_valid_months=settings.get("certificate_valid_months"),
    )


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
        except InvalidInput as error:
            savepoint.rollback()
            result.refused[folder.name] = [
                FolderProblem(f"{folder.name}/{COURSE_FILE}", 0, str(error.message))
            ]
    return result


# ---- writing into the database ---------------------------------------------------------------


def sync_course(parsed: ParsedCourse) -> SyncReport:
    """Make the database match one parsed folder, writing only what differs."""
    report = SyncReport(slug=parsed.slug)
    course = services.get_course(parsed.slug, with_modules=True)
    if course is None:
        course = services.create_course(
            slug=parsed.slug,
            title=parsed.settings["title"],
            owner=None,
            actor=None,
            actor_name=SYNC_AUTHOR,
        )
        course = services.get_course(parsed.slug, with_modules=True)
        report.created = True
    assert course is not None
    settings = _course_settings(parsed.settings, parsed.description)
    report.settings_changed = services.update_course(
        course, settings, actor=None, actor_name=SYNC_AUTHOR
    )
    wanted_slugs = {m.slug for m in parsed.modules}
    existing = {m.slug: m for m in course.modules}
    for module in list(course.modules):
        if module.slug not in wanted_slugs:
            services.delete_module(module, actor=None)
            report.modules_removed += 1
    for parsed_module in parsed.modules:
        module = existing.get(parsed_module.slug)
        if module is None:
            services.add_module(
                course,
                title=parsed_module.title,
                minutes=parsed_module.minutes,
                body_md=parsed_module.body,
                slug=parsed_module.slug,
                author=None,
                author_name=SYNC_AUTHOR,
                message=str(_l("Synced from the course folder")),
                position=parsed_module.position,
            )
            report.modules_added += 1
            continue
        if services.save_module(
            module,
            base_revision=module.revision,
            title=parsed_module.title,
            minutes=parsed_module.minutes,
            body_md=parsed_module.body,
            author=None,
            author_name=SYNC_AUTHOR,
            message=str(_l("Synced from the course folder")),
        ):
            report.modules_changed += 1
        if module.position != parsed_module.position:
            module.position = parsed_module.position
            report.modules_moved += 1
    status = parsed.settings.get("status", "draft")
    if status != course.status and (status != "published" or parsed.modules):
        services.set_status(course, status, actor=None, actor_name=SYNC_AUTHOR)
        report.settings_changed = True
    db.session.flush()
    return report


# ---- writing folders -------------------------------------------------------------------------


def _yaml_value(value: Any) -> str:
    dumped = yaml.safe_dump(value, allow_unicode=True, default_flow_style=True, width=10_000)
    return dumped.removesuffix("\n...\n").rstrip("\n")


def _front_matter_text(values: list[tuple[str, Any]]) -> str:
    lines = [f"{key}: {_yaml_value(value)}" for key, value in values if value is not None]
    return "---\n" + "\n".join(lines) + "\n---\n"


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
            ("required_quizzes", list(course.required_quizzes) or None),
            ("certificate_valid_months", course.certificate_valid_months),
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
    for stale in folder.glob("*.md"):
        if stale.name not in keep and MODULE_FILE.match(stale.name):
            stale.unlink()  # a module deleted since the last export
    return written


def _body(text: str) -> str:
    return "\n" + text + "\n" if text else ""


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8", newline="\n")
    return path
