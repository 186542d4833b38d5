from __future__ import annotations

import pytest

from tests.fakes.webhook_receiver import Receiver


@pytest.fixture
def receiver():
    r = Receiver().start()
    yield r
    r.stop()


@pytest.fixture
def local(bindings):
    """The test-only allowance: user-entered URLs may reach the receiver on 127.0.0.1."""
    bindings.outbound_allow = frozenset({"127.0.0.1"})
    return bindings
