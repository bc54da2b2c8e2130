"""Course folders (``courses/<slug>/``): sync them into the database and write them back.

A folder holds ``course.md`` (YAML front matter + description), ``NN-<slug>.md`` modules and
``.gift`` question files; a quiz defined under ``quizzes:`` in course.md draws its questions
from ``<quiz short name>.gift``. Syncing is idempotent: an unchanged folder writes nothing; a
changed module becomes a new revision by the sync; a folder with any error changes nothing of
its course. Exporting a
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
from sqlalchemy import exists, select

from lms.courses import module_editing, services
from lms.courses.models import COURSE_STATUSES, Course, Module
from lms.courses.signals import announce_progress
from lms.courses.slugs import SLUG_PATTERN
from lms.errors import InvalidInput
from lms.extensions import db
from lms.quizzes import bank, gift
from lms.quizzes import services as quiz_services
from lms.quizzes.models import Attempt, Quiz

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
    "quizzes": (dict,),
    "required_quizzes": (list,),
    "certificate_valid_months": (int, type(None)),
    "certificate_issuer": (str, type(None)),
    "certificate_signer_title": (str, type(None)),
}
MODULE_KEYS: dict[str, tuple[type, ...]] = {"title": (str,), "minutes": (int,)}
# A quiz's settings in course.md, with the quiz setting each one sets (``shuffle`` sets two).
QUIZ_KEYS: dict[str, tuple[type, ...]] = {
    "title": (str,),
    "questions": (int, type(None)),
    "categories": (list,),
    "pass_score": (int,),
    "time_limit_minutes": (int, type(None)),
    "max_attempts": (int, type(None)),
    "grading": (str,),
    "review": (str,),
    "shuffle": (bool, dict),
}
QUIZ_FIELDS = {
    "title": "title",
    "questions": "question_count",
    "categories": "categories",
    "pass_score": "pass_score",
    "time_limit_minutes": "time_limit_minutes",
    "max_attempts": "max_attempts",
    "grading": "grading",
    "review": "review",
}
# The quiz settings a folder says; the others (description, opening times, published) are
# the web's alone.
FOLDER_QUIZ_SETTINGS = (*QUIZ_FIELDS.values(), "shuffle_questions", "shuffle_choices")


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
class ParsedQuiz:
    slug: str
    settings: dict[str, Any]  # FOLDER_QUIZ_SETTINGS, checked and normalised
    line: int  # of its short name in course.md

    @property
    def question_file(self) -> str:
        return f"{self.slug}.gift"


@dataclass
class ParsedCourse:
    slug: str
    settings: dict[str, Any]
    description: str
    modules: list[ParsedModule] = field(default_factory=list)
    # .gift files: file name -> its questions, for the course's question bank
    gift_files: dict[str, list[gift.Question]] = field(default_factory=dict)
    quizzes: list[ParsedQuiz] = field(default_factory=list)
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
    quizzes_added: int = 0
    quizzes_changed: int = 0
    quizzes_removed: int = 0

    @property
    def changed(self) -> bool:
        return any(
            [
                self.quizzes_added,
                self.quizzes_changed,
                self.quizzes_removed,
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
    node: yaml.MappingNode | None = None  # for the lines of nested settings

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
    return FrontMatter(values, lines, node) if ok else None


def parse_folder(folder: Path) -> ParsedCourse:
    """Read and check one course folder; raise FolderRefused listing every problem."""
    problems: list[FolderProblem] = []
    slug = folder.name
    rel = f"{slug}/{COURSE_FILE}"
    if not SLUG_PATTERN.match(slug):
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
    front: FrontMatter | None = None
    description = ""
    course_path = folder / COURSE_FILE
    if not course_path.is_file() or course_path.is_symlink():
        problems.append(FolderProblem(rel, 0, _l("course.md is missing")))
    else:
        text = _read_text(course_path, rel, problems)
        parts = _split_front_matter(text, rel, problems) if text is not None else None
        if parts is not None:
            front = _front_matter(parts[0], rel, COURSE_KEYS, problems)
            description = module_editing.normalize_body(parts[1])
            if front is not None:
                settings, setting_lines = front.values, front.lines
                _check_course_settings(front, description, rel, problems)
    parsed = ParsedCourse(
        slug=slug, settings=settings or {}, description=description, setting_lines=setting_lines
    )
    numbers: dict[int, str] = {}
    slugs: dict[str, str] = {}
    gift_names: set[str] = set()
    for path in sorted(folder.iterdir()):
        if path.name.startswith(".") or path.name == COURSE_FILE:
            continue
        rel_path = f"{slug}/{path.name}"
        if path.is_symlink():
            problems.append(FolderProblem(rel_path, 0, _l("links are not followed; copy the file")))
            continue
        if path.is_file() and path.suffix == ".gift":
            gift_names.add(path.name)
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
    if front is not None and "quizzes" in front.values:
        parsed.quizzes = _parse_quizzes(front, rel, parsed.gift_files, gift_names, problems)
    if problems:
        raise FolderRefused(problems)
    parsed.modules.sort(key=lambda m: m.position)
    return parsed


def _pairs(node: yaml.Node | None) -> list[tuple[str, int, yaml.Node]]:
    """(key, line, value node) of a YAML mapping node, in the file's order."""
    if not isinstance(node, yaml.MappingNode):
        return []
    return [(str(k.value), k.start_mark.line + 2, v) for k, v in node.value]


def _parse_quizzes(
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
    body = module_editing.normalize_body(parts[1])
    try:
        module_editing.check_module(title, minutes, body)
    except InvalidInput as error:
        if error.field == "body_md":  # the line the body starts on
            line = text[: len(text) - len(parts[1].lstrip("\r\n"))].count("\n") + 1
        else:
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


def _quiz_digest(settings: dict[str, Any], question_file: str | None) -> str:
    return _digest({name: settings[name] for name in FOLDER_QUIZ_SETTINGS}, question_file)


def _db_quiz_digest(quiz: Quiz) -> str:
    return _quiz_digest(
        {name: getattr(quiz, name) for name in FOLDER_QUIZ_SETTINGS}, quiz.question_file
    )


def _quizzes_of(course_id: int) -> dict[str, Quiz]:
    return {
        quiz.slug: quiz
        for quiz in db.session.scalars(select(Quiz).where(Quiz.course_id == course_id))
    }


def _has_attempts(quiz: Quiz) -> bool:
    return db.session.scalar(select(exists().where(Attempt.quiz_id == quiz.id))) or False


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
    quiz_decisions, removed_quizzes = _quiz_decisions(parsed, course, problems)
    # A course requires quizzes it has: those of the folder and those made on the web.
    required = (
        settings.required_quizzes
        if course_decision == "file" or course is None
        else list(course.required_quizzes or [])
    )
    known = {q.slug for q in parsed.quizzes} | (
        set(_quizzes_of(course.id)) - {q.slug for q in removed_quizzes} if course else set()
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
            slug=parsed.slug, title=settings.title, owner=None, actor=None, actor_name=SYNC_AUTHOR
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
                author=None,
                author_name=SYNC_AUTHOR,
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
    report.questions_added, report.questions_removed = bank.sync_folder_files(
        course, parsed.gift_files
    )
    _sync_quizzes(course, parsed, quiz_decisions, removed_quizzes, report)
    if course_decision == "file":
        report.settings_changed = services.update_course(
            course, settings, actor=None, actor_name=SYNC_AUTHOR
        )
        if status != course.status:
            services.set_status(course, status, actor=None, actor_name=SYNC_AUTHOR)
            report.settings_changed = True
    if course_decision in ("file", "same") and course.synced_hash != file_digest:
        course.synced_hash = file_digest
    db.session.flush()
    if report.modules_added or report.modules_removed:
        announce_progress(course.id, None)
    return report


def _quiz_decisions(
    parsed: ParsedCourse, course: Course | None, problems: list[FolderProblem]
) -> tuple[dict[str, str], list[Quiz]]:
    """The three-way decision for each quiz of the folder, and the quizzes the folder no
    longer defines (to delete); problems for changes on both sides and for quizzes that
    cannot go."""
    path = f"{parsed.slug}/{COURSE_FILE}"
    db_quizzes = _quizzes_of(course.id) if course is not None else {}
    decisions: dict[str, str] = {}
    for parsed_quiz in parsed.quizzes:
        quiz = db_quizzes.get(parsed_quiz.slug)
        decision = _merge(
            _quiz_digest(parsed_quiz.settings, parsed_quiz.question_file),
            None if quiz is None else _db_quiz_digest(quiz),
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
        if _db_quiz_digest(quiz) != quiz.synced_hash:
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


def _sync_quizzes(
    course: Course,
    parsed: ParsedCourse,
    decisions: dict[str, str],
    removed: list[Quiz],
    report: SyncReport,
) -> None:
    """Create, update and delete the folder's quizzes as decided (after the questions, before
    the course's settings, which may require them)."""
    for quiz in removed:
        db.session.delete(quiz)
        report.quizzes_removed += 1
    db.session.flush()
    for parsed_quiz in parsed.quizzes:
        decision = decisions[parsed_quiz.slug]
        quiz = quiz_services.get_quiz(course, parsed_quiz.slug)
        if decision == "file" and quiz is None:
            quiz = quiz_services.create_quiz(
                course,
                slug=parsed_quiz.slug,
                actor=None,
                actor_name=SYNC_AUTHOR,
                published=True,
                **parsed_quiz.settings,
            )
            quiz.question_file = parsed_quiz.question_file
            report.quizzes_added += 1
        elif decision == "file" and quiz is not None:
            quiz_services.update_quiz(
                quiz, course, actor=None, actor_name=SYNC_AUTHOR, **parsed_quiz.settings
            )
            quiz.question_file = parsed_quiz.question_file
            report.quizzes_changed += 1
        if quiz is not None and decision in ("file", "same"):
            digest = _db_quiz_digest(quiz)
            if quiz.synced_hash != digest:
                quiz.synced_hash = digest
    db.session.flush()


# ---- writing folders -------------------------------------------------------------------------


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
            ("quizzes", _quizzes_block(list(_quizzes_of(course.id).values()))),
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
