"""Fixtures and helpers by feature, loaded as pytest plugins by ``pytest_plugins`` in
tests/conftest.py; test modules import a feature's helpers from here, never from each other."""
