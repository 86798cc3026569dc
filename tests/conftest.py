"""Fixtures shared by all tests: a real Dovecot, a fresh mailbox per test, an SMTP sink,
and the database each end-to-end test runs on.

In: the environment (with CI=true a missing Dovecot or PostgreSQL fails the run instead
of skipping) and `--database` (sqlite, the default, or postgres: every integration test
then gets its own fresh PostgreSQL database).
Out: fixtures `dovecot` (session), `mailbox`, `smtp_sink`, `site` and `pg_url` (per test).
Never holds logic of its own: that lives in tests/support.
"""

import os
from collections.abc import Iterator

import pytest

from tests.support import dovecot as dovecot_support
from tests.support import postgres
from tests.support.dovecot import DovecotServer, Mailbox
from tests.support.smtp_sink import SmtpSink

DOVECOT_MISSING = "Dovecot is not installed: run scripts/ensure-dovecot.sh (as root, uses apt)"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--database", choices=("sqlite", "postgres"), default="sqlite",
                     help="database the integration tests run soporte on (make test runs both)")


def pytest_report_header(config: pytest.Config) -> str:
    if config.getoption("database") == "postgres":
        return f"database: PostgreSQL, a fresh database per integration test ({postgres.ADMIN_URL})"
    return "database: SQLite, a file per test"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "sqlite_only(reason): about SQLite itself (its file, its "
                                       "copy); skipped in the PostgreSQL run")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # A test that needs the server is a dovecot test even if its author forgot the mark,
    # so `-m "not dovecot"` always leaves it out; the same goes for PostgreSQL.
    on_postgres = config.getoption("database") == "postgres"
    for item in items:
        fixtures = getattr(item, "fixturenames", ())
        if "dovecot" in fixtures:
            item.add_marker(pytest.mark.dovecot)
        if "pg_url" in fixtures:
            item.add_marker(pytest.mark.postgres)
        sqlite_only = item.get_closest_marker("sqlite_only")
        if on_postgres and sqlite_only:
            item.add_marker(pytest.mark.skip(reason="SQLite only: " + " ".join(sqlite_only.args)))


@pytest.fixture(autouse=True)
def _site_database(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """In the PostgreSQL run, every Site an integration test builds (through the `site`
    fixture or by hand) reads this test's own database URL from the environment."""
    node = request.node
    if (request.config.getoption("database") != "postgres" or "integration" not in node.path.parts
            or node.get_closest_marker("postgres")):
        yield
        return
    postgres.require()
    with postgres.fresh_database() as url:
        monkeypatch.setenv("SOPORTE_TEST_DATABASE_URL", url)
        yield


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL database for a test that needs PostgreSQL whatever the run."""
    postgres.require()
    with postgres.fresh_database() as url:
        yield url


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
