"""Fixtures shared by all tests: a real Dovecot, a fresh mailbox per test, an SMTP sink.

In: the environment (with CI=true a missing Dovecot fails the run instead of skipping).
Out: fixtures `dovecot` (session), `mailbox` and `smtp_sink` (per test).
Never holds logic of its own: that lives in tests/support.
"""

import os
from collections.abc import Iterator

import pytest

from tests.support import dovecot as dovecot_support
from tests.support.dovecot import DovecotServer, Mailbox
from tests.support.smtp_sink import SmtpSink

DOVECOT_MISSING = "Dovecot is not installed: run scripts/ensure-dovecot.sh (as root, uses apt)"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # A test that needs the server is a dovecot test even if its author forgot the mark,
    # so `-m "not dovecot"` always leaves it out.
    for item in items:
        if "dovecot" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.dovecot)


@pytest.fixture(scope="session")
def dovecot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DovecotServer]:
    if not dovecot_support.available():
        # On CI a skip would hide that no integration test ran at all.
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(DOVECOT_MISSING, pytrace=False)
        pytest.skip(DOVECOT_MISSING)
    with DovecotServer(tmp_path_factory.mktemp("dovecot")) as server:
        yield server


@pytest.fixture
def mailbox(dovecot: DovecotServer) -> Mailbox:
    """A user nobody else has touched, e.g. soporte-7@example.test / secret."""
    return dovecot.new_mailbox()


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    with SmtpSink() as sink:
        yield sink


@pytest.fixture
def site(tmp_path, mailbox: Mailbox, smtp_sink: SmtpSink):
    """A soporte installation wired to this test's mailbox and SMTP sink."""
    from tests.support.site import Site
    return Site(tmp_path, mailbox, smtp_sink)
