"""Course folders (``courses/<slug>/``): sync them into the database and write them back.

A folder holds ``course.md`` (YAML front matter + description) and ``NN-<slug>.md`` modules.
Syncing is idempotent: an unchanged folder writes nothing; a changed module becomes a new
revision by the sync; a folder with any error changes nothing of its course. Exporting a
synced course gives files that sync back to the same course (a fixed point).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from flask_babel import lazy_gettext as _l

from lms.courses import services
from lms.courses.models import COURSE_STATUSES, Course, Module
from lms.courses.signals import announce_progress
from lms.errors import InvalidInput
from lms.extensions import db
from lms.quizzes import bank, gift

COURSE_FILE = "course.md"
MODULE_FILE = re.compile(r"^([0-9]{2,3})-([a-z0-9][a-z0-9-]{0,79})\.md$")
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
    "certificate_issuer": (str, type(None)),
    "certificate_signer_title": (str, type(None)),
}
MODULE_KEYS: dict[str, tuple[type, ...]] = {"title": (str,), "minutes": (int,)}


@dataclass(frozen=True)
class FolderProblem:
    path: str
    line: int
    message: str  # may be given as a lazy translation

    def __post_init__(self) -> None:
        object.__setattr__(self, "message", str(self.message))

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
    # .gift files: file name -> its questions, for the course's question bank
    gift_files: dict[str, list[gift.Question]] = field(default_factory=dict)
    # The line of each setting in course.md, for problems found when syncing
    setting_lines: dict[str, int] = field(default_factory=dict)


@dataclass
class SyncReport:
    slug: str
    created: bool = False
    settings_changed: bool = False
    modules_added: int = 0
    modules_changed: int = 0
    modules_removed: int = 0
    modules_moved: int = 0
    questions_added: int = 0
    questions_removed: int = 0

    @property
    def changed(self) -> bool:
        return any(
            [
                self.questions_added,
                self.questions_removed,
                self.created,
                self.settings_changed,
                self.modules_added,
                self.modules_changed,
                self.modules_removed,
                self.modules_moved,
            ]
        )


# ---- reading ---------------------------------------------------------------------------------

MAX_FILE_BYTES = 1024 * 1024


def _split_front_matter(
    text: str, path: str, problems: list[FolderProblem]
) -> tuple[str, str] | None:
    """(front matter, body), or None with a problem noted."""
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        problems.append(
            FolderProblem(
                path, 1, _l("the file must start with a front matter block between two --- lines")
            )
        )
        return None
    for index in range(1, len(lines)):
        if lines[index].strip() == "---":
            return "\n".join(lines[1:index]), "\n".join(lines[index + 1 :])
    problems.append(FolderProblem(path, 1, _l("the front matter is not closed by ---")))
    return None


@dataclass
class FrontMatter:
    values: dict[str, Any]
    lines: dict[str, int]  # the line of each key in the file

    def line(self, key: str) -> int:
        return self.lines.get(key, 2)


def _front_matter(
    source: str, path: str, allowed: dict[str, tuple[type, ...]], problems: list[FolderProblem]
) -> FrontMatter | None:
    """Parse YAML; report bad syntax, repeated or unknown keys and wrong types at their line."""
    try:
        node = yaml.compose(source, Loader=yaml.SafeLoader)
        values = yaml.safe_load(source) if node is not None else {}
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        problems.append(
            FolderProblem(
                path,
                mark.line + 2 if mark is not None else 1,
                _l(
                    "the front matter is not valid YAML: %(error)s",
                    error=getattr(error, "problem", None) or str(error),
                ),
            )
        )
        return None
    if not isinstance(values, dict) or not isinstance(node, yaml.MappingNode | type(None)):
        problems.append(FolderProblem(path, 2, _l("the front matter must be key: value lines")))
        return None
    lines: dict[str, int] = {}
    ok = True
    for key_node, _value in node.value if node else []:
        key, line = str(key_node.value), key_node.start_mark.line + 2
        if key in lines:
            problems.append(
                FolderProblem(
                    path,
                    line,
                    _l(
                        "“%(key)s” is given twice (also on line %(other)s)",
                        key=key,
                        other=lines[key],
                    ),
                )
            )
            ok = False
        lines[key] = line
    for key, value in values.items():
        if key not in allowed:
            problems.append(
                FolderProblem(
                    path,
                    lines.get(str(key), 2),
                    _l(
                        "unknown setting “%(key)s”; the settings are: %(known)s",
                        key=key,
                        known=", ".join(allowed),
                    ),
                )
            )
            ok = False
        elif not isinstance(value, allowed[key]) or isinstance(value, bool):
            problems.append(
                FolderProblem(
                    path, lines.get(str(key), 2), _l("“%(key)s” has the wrong type", key=key)
                )
            )
            ok = False
    return FrontMatter(values, lines) if ok else None


def parse_folder(folder: Path) -> ParsedCourse:
    """Read and check one course folder; raise FolderRefused listing every problem."""
    problems: list[FolderProblem] = []
    slug = folder.name
    rel = f"{slug}/{COURSE_FILE}"
    if not services.SLUG_PATTERN.match(slug):
        problems.append(
            FolderProblem(
                slug,
                0,
                _l(
                    "the folder name is the course's short name: lower-case letters, digits, dashes"
                ),
            )
        )
    settings: dict[str, Any] | None = None
    setting_lines: dict[str, int] = {}
    description = ""
    course_path = folder / COURSE_FILE
    if not course_path.is_file() or course_path.is_symlink():
        problems.append(FolderProblem(rel, 0, _l("course.md is missing")))
    else:
        text = _read_text(course_path, rel, problems)
        parts = _split_front_matter(text, rel, problems) if text is not None else None
        if parts is not None:
            front = _front_matter(parts[0], rel, COURSE_KEYS, problems)
            description = services.normalize_body(parts[1])
            if front is not None:
                settings, setting_lines = front.values, front.lines
                _check_course_settings(front, description, rel, problems)
    parsed = ParsedCourse(
        slug=slug, settings=settings or {}, description=description, setting_lines=setting_lines
    )
    numbers: dict[int, str] = {}
    slugs: dict[str, str] = {}
    for path in sorted(folder.iterdir()):
        if path.name.startswith(".") or path.name == COURSE_FILE:
            continue
        rel_path = f"{slug}/{path.name}"
        if path.is_symlink():
            problems.append(FolderProblem(rel_path, 0, _l("links are not followed; copy the file")))
            continue
        if path.is_file() and path.suffix == ".gift":
            questions = _parse_gift(path, rel_path, problems)
            if questions is not None:
                parsed.gift_files[path.name] = questions
            continue
        match = MODULE_FILE.match(path.name)
        if match is None or not path.is_file():
            problems.append(
                FolderProblem(
                    rel_path,
                    0,
                    _l(
                        "unexpected here: a course folder holds course.md, modules named "
                        "NN-short-name.md (e.g. 01-mo-dau.md) and .gift quizzes"
                    ),
                )
            )
            continue
        number, module_slug = int(match.group(1)), match.group(2)
        if number in numbers:
            problems.append(
                FolderProblem(
                    rel_path,
                    0,
                    _l(
                        "module number %(n)s is also used by %(other)s",
                        n=number,
                        other=numbers[number],
                    ),
                )
            )
            continue
        if module_slug in slugs:
            problems.append(
                FolderProblem(
                    rel_path,
                    0,
                    _l(
                        "short name %(slug)s is also used by %(other)s",
                        slug=module_slug,
                        other=slugs[module_slug],
                    ),
                )
            )
            continue
        numbers[number], slugs[module_slug] = path.name, path.name
        module = _parse_module(path, rel_path, number, module_slug, problems)
        if module is not None:
            parsed.modules.append(module)
    if problems:
        raise FolderRefused(problems)
    parsed.modules.sort(key=lambda m: m.position)
    return parsed


def _parse_gift(path: Path, rel: str, problems: list[FolderProblem]) -> list[gift.Question] | None:
    if len(path.name) > 120:
        problems.append(FolderProblem(rel, 0, _l("the file name is too long")))
        return None
    text = _read_text(path, rel, problems)
    if text is None:
        return None
    try:
        return gift.parse(text)
    except gift.GiftError as error:
        problems.extend(FolderProblem(rel, line, message) for line, message in error.problems)
        return None


def _read_text(path: Path, rel: str, problems: list[FolderProblem]) -> str | None:
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


def _check_course_settings(
    front: FrontMatter, description: str, rel: str, problems: list[FolderProblem]
) -> None:
    settings = front.values
    if settings.get("status", "draft") not in COURSE_STATUSES:
        problems.append(
            FolderProblem(
                rel,
                front.line("status"),
                _l("status is one of: %(statuses)s", statuses=", ".join(COURSE_STATUSES)),
            )
        )
    if not all(isinstance(q, str) for q in settings.get("required_quizzes", [])):
        problems.append(
            FolderProblem(
                rel,
                front.line("required_quizzes"),
                _l("required_quizzes is a list of quiz short names"),
            )
        )
    for field_name, message in services.settings_problems(_course_settings(settings, description)):
        line = front.line(field_name) if field_name != "description_md" else len(front.lines) + 3
        problems.append(FolderProblem(rel, line, message))


def _parse_module(
    path: Path, rel: str, number: int, slug: str, problems: list[FolderProblem]
) -> ParsedModule | None:
    text = _read_text(path, rel, problems)
    parts = _split_front_matter(text, rel, problems) if text is not None else None
    if parts is None:
        return None
    front = _front_matter(parts[0], rel, MODULE_KEYS, problems)
    if front is None:
        return None
    title = " ".join(str(front.values.get("title") or "").split())
    minutes = front.values.get("minutes", 10)
    body = services.normalize_body(parts[1])
    try:
        services.check_module(title, minutes, body)
    except InvalidInput as error:
        line = front.line("minutes") if error.field == "minutes" else front.line("title")
        problems.append(FolderProblem(rel, line, error.message))
        return None
    return ParsedModule(position=number, slug=slug, title=title, minutes=minutes, body=body)


def _course_settings(settings: dict[str, Any], description: str) -> services.CourseSettings:
    return services.CourseSettings(
        title=settings.get("title", "") or "",
        summary=settings.get("summary", "") or "",
        topic=settings.get("topic", "") or "",
        description_md=description,
        pass_score=settings.get("pass_score"),
        min_attendance=settings.get("min_attendance"),
        required_quizzes=services.quiz_names(list(settings.get("required_quizzes") or [])),
        certificate_valid_months=settings.get("certificate_valid_months"),
        certificate_issuer=settings.get("certificate_issuer") or "",
        certificate_signer_title=settings.get("certificate_signer_title") or "",
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


def _digest(*parts: Any) -> str:
    return hashlib.sha256(
        json.dumps(parts, ensure_ascii=False, sort_keys=True).encode()
    ).hexdigest()


def _course_digest(settings: services.CourseSettings, status: str) -> str:
    return _digest(dataclasses.asdict(settings), status)


def _module_digest(position: int, title: str, minutes: int, body: str) -> str:
    return _digest(position, title, minutes, body)


def _merge(file_digest: str, db_digest: str | None, synced: str | None) -> str:
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


def sync_course(parsed: ParsedCourse) -> SyncReport:
    """Make the database follow one parsed folder, never overwriting a web edit silently.

    Each course and module remembers the content the folder and the database last agreed on;
    what changed on one side only is taken from that side, what changed on both is refused.
    """
    report = SyncReport(slug=parsed.slug)
    path = f"{parsed.slug}/{COURSE_FILE}"
    course = services.get_course(parsed.slug, with_modules=True)
    settings = _course_settings(parsed.settings, parsed.description)
    status = parsed.settings.get("status", "draft")
    file_digest = _course_digest(settings, status)
    problems: list[FolderProblem] = []
    if course is None:
        course_decision = "file"
        db_modules: dict[str, Module] = {}
    else:
        db_settings = services.CourseSettings(**services.settings_snapshot(course))
        course_decision = _merge(
            file_digest, _course_digest(db_settings, course.status), course.synced_hash
        )
        db_modules = {m.slug: m for m in course.modules}
    if course_decision == "file":
        # Quizzes are made on the web: a course folder may only require those that exist.
        unknown = services.unknown_quizzes(course.id if course else None, settings.required_quizzes)
        if unknown:
            problems.append(
                FolderProblem(
                    path,
                    parsed.setting_lines.get("required_quizzes", 2),
                    _l(
                        "required_quizzes names quizzes this course does not have: %(names)s; "
                        "create them on the web (Authoring, Quizzes), then sync again",
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
        decisions[parsed_module.slug] = _merge(
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
    for name in bank.folder_conflicts(course.id if course else None, parsed.gift_files):
        problems.append(
            FolderProblem(
                f"{parsed.slug}/{name}",
                0,
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
            slug=parsed.slug, title=settings.title, owner=None, actor=None, actor_name=SYNC_AUTHOR
        )
        course = services.get_course(parsed.slug, with_modules=True)
        report.created = True
    assert course is not None
    for module in removed:
        services.delete_module(module, actor=None)
        report.modules_removed += 1
    message = str(_l("Synced from the course folder"))
    for parsed_module in parsed.modules:
        decision = decisions[parsed_module.slug]
        module = db_modules.get(parsed_module.slug)
        if decision == "file" and module is None:
            module = services.add_module(
                course,
                title=parsed_module.title,
                minutes=parsed_module.minutes,
                body_md=parsed_module.body,
                slug=parsed_module.slug,
                author=None,
                author_name=SYNC_AUTHOR,
                message=message,
                position=parsed_module.position,
            )
            report.modules_added += 1
        elif decision == "file" and module is not None:
            if services.save_module(
                module,
                base_revision=module.revision,
                title=parsed_module.title,
                minutes=parsed_module.minutes,
                body_md=parsed_module.body,
                author=None,
                author_name=SYNC_AUTHOR,
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
    if course_decision == "file":
        report.settings_changed = services.update_course(
            course, settings, actor=None, actor_name=SYNC_AUTHOR
        )
        if status != course.status:
            services.set_status(course, status, actor=None, actor_name=SYNC_AUTHOR)
            report.settings_changed = True
    if course_decision in ("file", "same") and course.synced_hash != file_digest:
        course.synced_hash = file_digest
    report.questions_added, report.questions_removed = bank.sync_folder_files(
        course, parsed.gift_files
    )
    db.session.flush()
    if report.modules_added or report.modules_removed:
        announce_progress(course.id, None)
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
