"""Trainers' session pages: the list, the form, the roster to mark, the check-in screen, the
paper sheet and its bulk entry, and the exports. Commanders may read a session's roster,
limited to their subtree. One blueprint; each module adds its pages to it."""

from lms.attendance.views.sessions import editing, exports, paper, roster_page, screen
from lms.attendance.views.sessions.common import ROSTER_PAGE_SIZE, bp
from lms.attendance.views.sessions.screen import qr_svg

__all__ = [
    "ROSTER_PAGE_SIZE",
    "bp",
    "editing",
    "exports",
    "paper",
    "qr_svg",
    "roster_page",
    "screen",
]
