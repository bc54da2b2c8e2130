"""The demo's training: the shipped course assigned to the whole province, some cadres part way
through it, a few finished, and a short quiz (written through the question bank) with attempts
passed and failed."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from lms.courses import enrollment
from lms.courses.folders import sync_folders
from lms.courses.models import Course, Enrollment, Module
from lms.extensions import db
from lms.people.models import User, UserRole
from lms.quizzes import attempts, bank
from lms.timeutil import utcnow
from lms.units.models import Unit, UnitClosure

DEMO_COURSE = "dan-van-kheo"
QUIZ_SLUG = "kiem-tra-nhanh"
PROGRESS_UNIT = "BCHQS-HS"  # Hương Sơn: the district whose cadres attended last week's session

# Six questions on mass-mobilization work, in GIFT (single choice and true/false).
QUIZ_GIFT = """\
$CATEGORY: Kiểm tra nhanh

::Năm bài báo Dân vận::Chủ tịch Hồ Chí Minh viết bài báo "Dân vận" đăng trên báo Sự thật \
vào năm nào? {
=1949
~1945
~1954
~1969
}

::Dân vận là gì::Theo bài báo "Dân vận" của Chủ tịch Hồ Chí Minh, dân vận là vận động tất cả \
lực lượng của mỗi một người dân không để sót một người dân nào. {T}

::Ba cùng::Phương châm "ba cùng" của cán bộ, chiến sỹ khi xuống cơ sở là gì? {
=Cùng ăn, cùng ở, cùng làm với Nhân dân
~Cùng học, cùng hát, cùng tập luyện với Nhân dân
~Cùng họp, cùng báo cáo, cùng kiểm tra với cấp ủy
~Cùng tuần tra, cùng canh gác, cùng huấn luyện với dân quân
}

::Đồng bào có đạo::Khi làm việc với đồng bào có đạo, cán bộ dân vận cần làm gì? {
=Tôn trọng quyền tự do tín ngưỡng, tôn giáo của Nhân dân và vận động đồng bào "sống tốt đời, \
đẹp đạo"
~Yêu cầu đồng bào hạn chế các buổi sinh hoạt tôn giáo
~Tránh tiếp xúc với chức sắc tôn giáo để giữ khách quan
~Chỉ làm việc qua chính quyền xã, không đến nhà đồng bào
}

::Phong tục đồng bào::Khi đến địa bàn đồng bào dân tộc thiểu số, cán bộ cần tìm hiểu và tôn \
trọng phong tục, tập quán, tiếng nói của đồng bào. {T}

::Đối thoại với dân::Khi người dân phản ánh bức xúc, cán bộ nên tránh đối thoại và chuyển ngay \
sự việc lên cấp trên. {F}
"""


@dataclass
class TrainingResult:
    course: str | None = None
    enrolled: int = 0
    modules_read: int = 0
    completed: int = 0
    attempts: int = 0


def demo_course(courses_dir: Path | None) -> Course | None:
    """The shipped course, synced from ``courses_dir`` when the database does not have it."""
    course = db.session.scalar(select(Course).where(Course.slug == DEMO_COURSE))
    if course is None and courses_dir is not None and (courses_dir / DEMO_COURSE).is_dir():
        sync_folders(courses_dir)
        course = db.session.scalar(select(Course).where(Course.slug == DEMO_COURSE))
    return course if course is not None and course.status == "published" else None


def add_training(course: Course, rng: random.Random) -> TrainingResult:
    now = utcnow()
    result = TrainingResult(course=course.slug)
    root = db.session.scalar(select(Unit).where(Unit.parent_id.is_(None)).order_by(Unit.id))
    _assignment, result.enrolled = enrollment.assign(
        course, root, (now + dt.timedelta(days=60)).date(), actor=None, actor_name="demo"
    )
    modules = list(
        db.session.scalars(
            select(Module).where(Module.course_id == course.id).order_by(Module.position)
        )
    )
    quiz = _quiz(course)
    cadres = _cadres_of_the_district()
    # The first (hocvien) is part way and failed the quiz once; then five finish everything,
    # four are part way (two of them failed the quiz), the rest have not started.
    for index, user in enumerate(cadres):
        if index == 0:
            read, answers = 2, [False]
        elif index <= 5:
            read, answers = len(modules), ([True] if index % 2 else [False, True])
        elif index <= 9:
            read, answers = rng.randint(1, len(modules) - 1), ([False] if index <= 7 else [])
        else:
            break
        for module in modules[:read]:
            result.modules_read += enrollment.mark_module_done(user, module)
        for number, passing in enumerate(answers):
            started = now - dt.timedelta(days=3 - number, hours=rng.randint(1, 8))
            _attempt(quiz, user, passing, started, rng)
            result.attempts += 1
    result.completed = len(
        db.session.scalars(
            select(Enrollment.user_id).where(
                Enrollment.course_id == course.id,
                Enrollment.completed_at.is_not(None),
            )
        ).all()
    )
    return result


def _quiz(course: Course):
    quiz = attempts.get_quiz(course, QUIZ_SLUG)
    if quiz is not None:
        return quiz
    bank.import_gift(course, QUIZ_GIFT, actor=None, actor_name="demo")
    return attempts.create_quiz(
        course,
        slug=QUIZ_SLUG,
        title="Kiểm tra nhanh: dân vận khéo",
        description="Sáu câu hỏi ôn lại những điều cốt lõi của công tác dân vận.",
        actor=None,
        actor_name="demo",
        pass_score=70,
        time_limit_minutes=15,
        max_attempts=3,
        categories=["Kiểm tra nhanh"],
        shuffle_choices=True,
        review="correct_after_pass",
        published=True,
    )


def _cadres_of_the_district() -> list[User]:
    """hocvien first, then the district's other cadres (who attended last week's session)."""
    district = (
        select(UnitClosure.descendant_id)
        .join(Unit, Unit.id == UnitClosure.ancestor_id)
        .where(Unit.code == PROGRESS_UNIT)
    )
    users = list(
        db.session.scalars(
            select(User)
            .join(UserRole, UserRole.user_id == User.id)
            .where(UserRole.role == "cadre", User.unit_id.in_(district))
            .options(selectinload(User.role_rows))
            .order_by(User.id)
            .limit(40)
        )
    )
    users.sort(key=lambda u: u.username != "hocvien")
    return users


def _attempt(quiz, user: User, passing: bool, started: dt.datetime, rng: random.Random) -> None:
    attempt = attempts.start_attempt(quiz, user, now=started, rng=rng)
    questions = attempts.questions_of(attempt)
    wrong = set() if passing else set(rng.sample(range(len(questions)), 3))
    for offset, question in enumerate(questions):
        response = _answer(question.snapshot, question.choice_order, right=offset not in wrong)
        attempts.save_answer(
            attempt, question.position, response, now=started + dt.timedelta(minutes=offset + 1)
        )
    attempts.submit(attempt.id, now=started + dt.timedelta(minutes=len(questions) + 2))


def _answer(snapshot: dict, order: list[int], *, right: bool) -> dict:
    if snapshot["kind"] == "truefalse":
        return {"value": bool(snapshot["correct"]) == right}
    correct = next(i for i, c in enumerate(snapshot["choices"]) if c["fraction"] > 0)
    shown = order.index(correct)
    return {"choice": shown if right else (shown + 1) % len(order)}
