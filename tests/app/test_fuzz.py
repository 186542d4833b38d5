"""A short Schemathesis run inside the suite: every operation in /openapi.json, a few requests each, as
the owner, an agent and anonymously, against the real `porchlight serve`; none may answer 5xx.

`make fuzz` is the long run (50 examples per operation and the boundary-value sweep); this one keeps
a change that turns some odd input into a server error from landing unnoticed.
"""

from __future__ import annotations

import pytest

from tests import fuzz_support
from tests.conftest import DB_MODE

pytestmark = pytest.mark.fuzz


@pytest.mark.skipif(DB_MODE == "d1", reason="the served app runs on SQLite; the D1 pass would repeat this run")
def test_no_operation_answers_a_server_error(tmp_path):
    runs, tracebacks = fuzz_support.run(3, tmp_path, phases="examples,fuzzing")
    assert [r.persona for r in runs] == ["anonymous", "agent", "owner"]
    report = "\n\n".join(f"{r.persona}:\n{r.summary}" for r in runs if r.returncode != 0)
    assert tracebacks == [], "\n\n".join(tracebacks)
    assert report == ""
