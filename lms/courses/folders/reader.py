"""Reading a course folder: course.md (YAML front matter and the description), the
modules, and the quizzes it defines; every problem is collected with its file and line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from flask_babel import lazy_gettext as _l

from lms.courses import module_editing, services
from lms.courses.folders.model import (
    COURSE_FILE,
    COURSE_KEYS,
    MODULE_FILE,
    MODULE_KEYS,
    FolderProblem,
    FolderRefused,
    FrontMatter,
    ParsedCourse,
    ParsedModule,
)
from lms.courses.folders.quiz_files import parse_gift, parse_quizzes
from lms.courses.folders.text_files import read_text
from lms.courses.models import COURSE_STATUSES
from lms.courses.slugs import SLUG_PATTERN
from lms.errors import InvalidInput


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
        text = read_text(course_path, rel, problems)
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
            questions = parse_gift(path, rel_path, problems)
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
        parsed.quizzes = parse_quizzes(front, rel, parsed.gift_files, gift_names, problems)
    if problems:
        raise FolderRefused(problems)
    parsed.modules.sort(key=lambda m: m.position)
    return parsed


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
    for field_name, message in services.settings_problems(course_settings(settings, description)):
        line = front.line(field_name) if field_name != "description_md" else len(front.lines) + 3
        problems.append(FolderProblem(rel, line, message))


def _parse_module(
    path: Path, rel: str, number: int, slug: str, problems: list[FolderProblem]
) -> ParsedModule | None:
    text = read_text(path, rel, problems)
    parts = _split_front_matter(text, rel, problems) if text is not None else None
    if text is None or parts is None:
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


def course_settings(settings: dict[str, Any], description: str) -> services.CourseSettings:
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
