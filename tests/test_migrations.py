"""The schema built by the Alembic revisions is exactly the one the models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app

from lms.extensions import db


def test_migrated_schema_matches_the_models():
    # The session's database was built with `upgrade` (see conftest), not create_all.
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_database_is_at_the_single_head():
    migrate = current_app.extensions["migrate"]
    script = ScriptDirectory(migrate.directory)
    assert len(script.get_heads()) == 1
    with db.engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_revision()
    assert current == script.get_current_head()


def test_revision_files_are_named_by_date_and_purpose():
    import re
    from pathlib import Path

    versions = Path(current_app.extensions["migrate"].directory) / "versions"
    for path in versions.glob("*.py"):
        assert re.match(r"\d{4}-\d{2}-\d{2}_[a-z0-9_]+_[0-9a-f]{12}\.py$", path.name), path.name
