"""The application as production servers load it: ``gunicorn 'lms.wsgi:app'``.

Everything built at start-up (the app, SQLAlchemy's mappers and compiled statements, Babel's
catalogues, some 190,000 objects) lives as long as the process. ``gc.freeze()`` moves it out
of the cyclic collector's sight: a full collection no longer walks it, which took 40–80 ms in
the middle of a province's review report."""

from __future__ import annotations

import gc

from lms import create_app

app = create_app()
gc.freeze()
