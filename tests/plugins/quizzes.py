"""Quizzes: question banks in GIFT and the helpers that build quizzes and take attempts, shared
by the quiz tests and by the tests of what attempts feed (reports, certificates, pages).

Three families, kept apart because they build different quizzes:

- ``ALL_KINDS_GIFT`` (one question of each of the seven kinds) with ``published_quiz`` (a
  published quiz over the course's bank as it is), ``by_kind``, ``shown_index``,
  ``right_answers`` and ``answer_all``;
- ``THREE_TRUE_OR_FALSE_GIFT`` with ``quiz_in_bank_order`` (imports a bank, then a published
  quiz that does not shuffle) and ``take`` (one attempt, answers given in bank order);
- ``FIVE_TRUE_OR_FALSE_GIFT`` with ``take_five`` (an attempt with so many answers right).
"""

from __future__ import annotations

import datetime as dt

from lms.extensions import db
from lms.quizzes import attempts, bank
from lms.quizzes import services as quiz_services
from lms.quizzes.models import AttemptQuestion

# ---- one question of every kind ----------------------------------------------------------------

# One question of every kind; feedback texts are recognisable so that a leak shows.
ALL_KINDS_GIFT = """$CATEGORY: dan-van/co-ban

::S1:: Ai nêu phương châm "dân vận khéo"? {
  =Chủ tịch Hồ Chí Minh#PHAN-HOI-DUNG
  ~Một nhà báo#PHAN-HOI-SAI
  ~Không rõ
  ####PHAN-HOI-CHUNG
}

::M1:: Chọn các việc nên làm khi đến thăm đồng bào: {
  ~%50%Hỏi trước phong tục#PHAN-HOI-M1
  ~%50%Lắng nghe người lớn tuổi
  ~%-100%Tự ý chụp ảnh nơi thờ cúng#PHAN-HOI-M2
}

::T1:: Cán bộ cần "nói đi đôi với làm". {T#PHAN-HOI-TRUE#PHAN-HOI-FALSE}

$CATEGORY: dan-van/nang-cao

::SA1:: Vận động quần chúng còn gọi là công tác gì? {=Công tác DAPAN-SA =DAPAN-SB#PHAN-HOI-SA}

::N1:: Số pi với hai chữ số thập phân? {#31415.9:0.5}

::MA1:: Ghép tỉnh với vùng: {=Hà Tĩnh -> Bắc Trung Bộ =Lai Châu -> Tây Bắc =Cà Mau -> Nam Bộ}

::E1:: Nêu cảm nghĩ của đồng chí về người có uy tín. {}
"""


def published_quiz(course, slug="kiem-tra", **settings):
    """A quiz (published unless said otherwise) over the course's bank as it is."""
    settings.setdefault("published", True)
    quiz = quiz_services.create_quiz(course, slug=slug, title="Kiểm tra", **settings)
    db.session.commit()
    return quiz


def by_kind(attempt) -> dict[str, AttemptQuestion]:
    return {q.snapshot["kind"]: q for q in attempts.questions_of(attempt)}


def shown_index(question: AttemptQuestion, snapshot_index: int) -> int:
    """Where the page shows the choice (or matching right) at ``snapshot_index``."""
    return question.choice_order.index(snapshot_index)


def right_answers(attempt) -> dict[int, dict]:
    """A full-credit response per auto-graded question of ``ALL_KINDS_GIFT``, numbered as the
    page shows choices."""
    out = {}
    for kind, q in by_kind(attempt).items():
        if kind == "single":
            out[q.position] = {"choice": shown_index(q, 0)}
        elif kind == "multiple":
            out[q.position] = {"choices": sorted([shown_index(q, 0), shown_index(q, 1)])}
        elif kind == "truefalse":
            out[q.position] = {"value": True}
        elif kind == "shortanswer":
            out[q.position] = {"text": "  công tác  dapan-sa "}
        elif kind == "numerical":
            out[q.position] = {"text": "31415,7"}
        elif kind == "matching":
            out[q.position] = {"pairs": {str(i): shown_index(q, i) for i in range(3)}}
    return out


def answer_all(attempt, now, *, essay="Người có uy tín là cầu nối."):
    """Every auto-graded question of ``ALL_KINDS_GIFT`` answered right, and the essay (unless
    ``essay`` is None); committed."""
    for position, response in right_answers(attempt).items():
        attempts.save_answer(attempt, position, response, now=now)
    essay_q = by_kind(attempt).get("essay")
    if essay_q is not None and essay is not None:
        attempts.save_answer(attempt, essay_q.position, {"text": essay}, now=now)
    db.session.commit()


# ---- three true-or-false questions, in bank order ---------------------------------------------

TAKEN_AT = dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.UTC)

# Three true-or-false questions, all true: answering True earns the credit.
THREE_TRUE_OR_FALSE_GIFT = """$CATEGORY: dan-van

::T1:: Cán bộ cần "nói đi đôi với làm". {T}

::T2:: Dân vận khéo thì việc gì cũng thành công. {T}

::T3:: Câu hỏi mẹo của đồng chí Hùng. {T}
"""


def quiz_in_bank_order(course, text: str = THREE_TRUE_OR_FALSE_GIFT, **settings):
    """A published quiz asking the questions in bank order (new quizzes shuffle by default),
    after importing ``text`` into the course's bank."""
    bank.import_gift(course, text, actor=None)
    settings = {"shuffle_questions": False, **settings}
    quiz = quiz_services.create_quiz(
        course, slug="kiem-tra", title="Kiểm tra", published=True, **settings
    )
    db.session.commit()
    return quiz


def take(quiz, user, answers: tuple[bool | None, ...], *, minutes: int = 0, submit: bool = True):
    """One attempt at ``TAKEN_AT`` (plus ``minutes``) answering the questions in bank order (True
    earns the credit, None leaves the question unanswered)."""
    now = TAKEN_AT + dt.timedelta(minutes=minutes)
    attempt = attempts.start_attempt(quiz, user, now=now)
    for position, value in enumerate(answers, start=1):
        if value is not None:
            attempts.save_answer(attempt, position, {"value": value}, now=now)
    if submit:
        attempts.submit(attempt.id, now=now + dt.timedelta(minutes=1))
    db.session.commit()
    return attempt


# ---- five true-or-false questions --------------------------------------------------------------

# The wall clock once, when the suite loads (a default, as it was in the module it came from).
LOADED_AT = dt.datetime.now(dt.UTC)
FIVE_TRUE_OR_FALSE_GIFT = "".join(f"::Q{i}:: Câu {i}: đúng hay sai? {{T}}\n\n" for i in range(1, 6))


def take_five(quiz, user, right: int, now: dt.datetime = LOADED_AT):
    """A submitted attempt at a quiz of ``FIVE_TRUE_OR_FALSE_GIFT`` with ``right`` of the five
    questions right (every answer is "true")."""
    attempt = attempts.start_attempt(quiz, user, now=now)
    for position in range(1, 6):
        attempts.save_answer(attempt, position, {"value": position <= right}, now=now)
    attempts.submit(attempt.id, now=now)
    db.session.commit()
