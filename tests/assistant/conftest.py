"""The fake Anthropic API for every test here (tests/assistant_support.py)."""

from tests.assistant_support import fake_ai, settings  # noqa: F401
