"""The audit log page: every filter (entity, id, department, actor, UTC dates) and the paging
equal the same query written by hand; bad filters are a 422 naming the field; the verify
button submits a job and only for those allowed."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session, sessionmaker

from infra.audit import service as audit_service
from infra.audit.actor import Actor
from infra.audit.jobs import VERIFY_KIND
from infra.audit.models import AuditEntry
from infra.database import session_scope
from infra.jobs.models import Job
from infra.tenancy.enums import Role
from portal_api.web.lists import PAGE_SIZE
from tests import factories
from tests.portal_api.web.conftest import csrf_in, sign_in

ROW = re.compile(r'<tr id="audit-(\d+)" data-seq="\d+">')
DAYS = [dt.datetime(2026, 11, d, 23, 30, tzinfo=dt.UTC) for d in (3, 4, 5)]
ALICE, BOB = Actor(username="alice", user_id=None), Actor(username="bob", user_id=None)


@pytest.fixture
def log(
    session_factory: sessionmaker[Session], session: Session, monkeypatch: pytest.MonkeyPatch
) -> factories.World:
    """The world's own entries, then 66 more over three days (23:30 UTC, so a local-time
    reading would move them to the next day), two actors, two departments, two entity types."""
    world = factories.world(session)
    for i in range(66):
        monkeypatch.setattr(audit_service, "utcnow", lambda i=i: DAYS[i % 3])
        with session_scope(session_factory) as writer:
            audit_service.record(
                writer,
                actor=ALICE if i % 2 else BOB,
                action="update",
                entity="widget" if i % 5 else "gadget",
                entity_id=i % 7,
                department_id=(world.own.id, world.other.id, None)[i % 3],
                after={"i": i},
            )
    monkeypatch.undo()
    return world


def _by_hand(session: Session, *where: ColumnElement[bool]) -> list[int]:
    session.rollback()  # see what the writers committed
    query = select(AuditEntry.seq).where(*where).order_by(AuditEntry.seq.desc())
    return list(session.scalars(query))


def _day(n: int) -> dt.datetime:
    return dt.datetime(2026, 11, n, tzinfo=dt.UTC)


def _shown(client: TestClient, **query: str) -> list[int]:
    """Every seq the page lists over all its pages, following the pager's own links."""
    seqs: list[int] = []
    response = client.get("/audit", params=query)
    while True:
        assert response.status_code == 200, response.text
        seqs += [int(s) for s in ROW.findall(response.text)]
        following = re.search(r'<a href="([^"]+)" rel="next">', response.text)
        if not following:
            return seqs
        response = client.get(following.group(1).replace("&amp;", "&"))


def test_filters_and_paging_equal_the_query_by_hand(
    client: TestClient, session: Session, log: factories.World
) -> None:
    """Catches a filter ignored or applied to the wrong column, an end date that drops its own
    day or leaks into the next, and a pager that skips or repeats entries."""
    own, other = log.own.id, log.other.id
    sign_in(client, log.users[Role.AUDITOR])
    everything = _by_hand(session)
    assert len(everything) > PAGE_SIZE  # the pager is exercised
    assert _shown(client) == everything
    e = AuditEntry
    cases: list[tuple[dict[str, str], list[ColumnElement[bool]]]] = [
        ({"entity": "gadget"}, [e.entity == "gadget"]),
        ({"entity": "widget", "entity_id": "3"}, [e.entity == "widget", e.entity_id == "3"]),
        ({"department_id": str(own)}, [e.department_id == own]),
        ({"department_id": str(other), "actor": "alice"}, [e.department_id == other, e.actor == "alice"]),  # noqa: E501
        ({"actor": "bob"}, [e.actor == "bob"]),
        ({"since": "2026-11-04", "until": "2026-11-04"}, [e.at >= _day(4), e.at < _day(5)]),
        ({"since": "2026-11-05"}, [e.at >= _day(5)]),
        ({"until": "2026-11-03", "entity": "widget"}, [e.at < _day(4), e.entity == "widget"]),
    ]  # fmt: skip
    for query, where in cases:
        expected = _by_hand(session, *where)
        assert expected, query  # each case selects something, and not everything
        assert len(expected) < len(everything), query
        assert _shown(client, **query) == expected, query


def test_each_entry_shows_its_place_in_the_chain(
    client: TestClient, session: Session, log: factories.World
) -> None:
    sign_in(client, log.users[Role.AUDITOR])
    page = client.get("/audit", params={"entity": "gadget"}).text
    newest = select(AuditEntry).where(AuditEntry.entity == "gadget").order_by(AuditEntry.seq.desc())
    entry = session.scalars(newest).first()
    assert entry is not None
    seq, hash_, prev = entry.seq, entry.hash, entry.prev_hash
    row = re.search(rf'<tr id="audit-{seq}".*?</tr>', page, re.S)
    assert row
    assert f'<th scope="row" class="num">{seq}</th>' in row.group(0)
    assert hash_[:12] in row.group(0)
    assert prev in row.group(0)  # the hash it follows


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"since": "2026-13-01"}, "since", "请按 YYYY-MM-DD 格式输入日期。"),
        ({"until": "yesterday"}, "until", "请按 YYYY-MM-DD 格式输入日期。"),
        ({"since": "2026-11-05", "until": "2026-11-04"}, "until", "结束日期早于开始日期。"),
        ({"actor": "x" * 101}, "actor", "最多 100 个字符。"),
        ({"department_id": "abc"}, "department_id", "请从列表中选择部门。"),
    ],
)
def test_bad_filters_are_a_422_beside_their_field(
    client: TestClient, session: Session, query: dict[str, str], field: str, message: str
) -> None:
    """Catches a malformed filter that 500s, or is silently dropped and shows the whole log."""
    world = factories.world(session)
    sign_in(client, world.users[Role.AUDITOR])
    response = client.get("/audit", params=query)
    assert response.status_code == 422
    assert f'id="filter-{field}-error">{message}' in response.text
    assert 'aria-invalid="true"' in response.text
    assert not ROW.search(response.text)


def test_the_verify_button_submits_a_job_for_those_allowed_only(
    client: TestClient, session: Session
) -> None:
    """Catches a verify route without its permission or CSRF check, or one that runs the walk
    inside the request instead of as a job."""
    world = factories.world(session)
    sign_in(client, world.users[Role.MANAGER])  # may read the log, may not verify
    page = client.get("/audit").text
    assert 'action="/audit/verify"' not in page
    assert client.post("/audit/verify", data={"csrf": csrf_in(page)}).status_code == 403
    client.cookies.clear()
    token = sign_in(client, world.users[Role.OPERATOR])
    assert 'action="/audit/verify"' in client.get("/audit").text
    assert client.post("/audit/verify", data={}, follow_redirects=False).status_code == 403
    response = client.post("/audit/verify", data={"csrf": token}, follow_redirects=False)
    assert response.status_code == 303
    job_id = response.headers["location"].removeprefix("/jobs/")
    session.rollback()
    job = session.get(Job, job_id)
    assert job is not None
    assert job.kind == VERIFY_KIND
