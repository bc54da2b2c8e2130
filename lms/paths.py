"""Where the application's files are: the repository beside the package (DESIGN.md's layout).

The app runs from a checkout with an editable install (``pip install -e``), as README's
commands install it: migrations and static files are read from there, not from the package.
"""

from __future__ import annotations

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
MIGRATIONS_DIR = PROJECT_ROOT / "migrations"
# CSS, scripts and icons; no CDN, nothing fetched at run time.
STATIC_DIR = PROJECT_ROOT / "static"
