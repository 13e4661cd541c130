"""The demo city, loaded once for the crawl and accessibility tests of this folder."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from infra.database import session_factories
from infra.tenancy.enums import Role
from portal_api import demo
from tests.conftest import clean_database

# The first demo login of every role (demo.LOGINS names one or more per role).
LOGINS = [
    login.username
    for index, login in enumerate(demo.LOGINS)
    if login.role not in {earlier.role for earlier in demo.LOGINS[:index]}
]


def page_budget(username: str) -> int:
    """Pages per crawl: the operator sees the most kinds of page (every list, form and detail)."""
    operator = next(login.username for login in demo.LOGINS if login.role is Role.OPERATOR)
    return 55 if username == operator else 35


@pytest.fixture(scope="package")
def demo_city(shared_engine: Engine) -> Iterator[list[str]]:
    """The demo city in the run's database for every test of this folder (emptied after).

    The crawl checks pages, not the database, and takes about a minute per pass: it runs on
    SQLite only, once per run, not again on PostgreSQL.
    """
    if shared_engine.dialect.name != "sqlite":
        pytest.skip("the crawl checks pages, not the database: it runs once, on SQLite")
    with session_factories(shared_engine)[1]() as session:
        demo.load(session)
        session.commit()
    yield LOGINS
    clean_database(shared_engine)
