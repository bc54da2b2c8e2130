"""What a course folder holds, as the reader gives it, and what a sync reports."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from lms.quizzes import gift

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


@dataclass
class FrontMatter:
    values: dict[str, Any]
    lines: dict[str, int]  # the line of each key in the file
    node: yaml.MappingNode | None = None  # for the lines of nested settings

    def line(self, key: str) -> int:
        return self.lines.get(key, 2)
