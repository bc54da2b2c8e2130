"""The test suite: core fixtures in conftest.py, a feature's in plugins/<feature>.py, helpers for
every feature in support.py."""

import pytest

# The helpers' assertions report their values, as a test's do (plugins/ is rewritten as plugins).
pytest.register_assert_rewrite("tests.support")
