"""The list query against the same query done by hand: for random sorts, searches, filters
and pages, :func:`infra.listing.run` returns exactly the rows a plain Python filter-sort-slice
of every row returns (users, quotas and requests: joins, NULLs, correlated sums, decimals,
date ranges), on SQLite and PostgreSQL.  And every bad parameter is an InvalidInput naming
its field and what it allows."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from infra import listing
from infra.errors import InvalidInput
from infra.inventory.enums import NetworkZone
from infra.listing import ListParams, ListSpec
from infra.tenancy import queries
from infra.tenancy.enums import DepartmentKind, ResourceClass, Role
from infra.tenancy.models import Department, Quota, User
from infra.tenancy.requests import queries as request_queries
from infra.tenancy.requests.enums import RequestState
from infra.tenancy.requests.models import RequestItem, ResourceRequest
from infra.tenancy.scope import Scope
from tests import factories

# Text the search and the sort meet: case, LIKE's wildcards, formula starts, Chinese.  (Not
# Greek or other cased scripts: SQLite's LIKE folds ASCII case only; see the report.)
WORDS = ["alpha", "Alpha", "b%c", "b_c", "=SUM(A1)", "+1", "-x", "@me", "税务局", "人社", "zz"]
HYPOTHESIS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
_names = itertools.count(1)


def _initial(word: str) -> str:
    return word[0].lower() if word[0].isascii() and word[0].isalpha() else "u"


@dataclass
class Population:
    departments: list[Department]


def _hand(
    rows: list[dict[str, Any]], spec: ListSpec, params: ListParams, searched: dict[str, str]
) -> tuple[list[int], int]:
    """Filter, search, sort and slice in Python: the list query done by hand."""
    chosen = rows
    for name, value in params.filters.items():
        if isinstance(value, tuple):  # a date range on ``searched[name]``
            start, end = value
            key = searched[name]
            chosen = [
                r
                for r in chosen
                if r[key] is not None
                and (start is None or r[key].date() >= start)
                and (end is None or r[key].date() <= end)
            ]
        else:
            chosen = [r for r in chosen if r[searched[name]] == value]
    if params.q:
        needle = params.q.lower()
        chosen = [r for r in chosen if any(needle in (r[k] or "").lower() for k in spec.search)]
    chosen = sorted(chosen, key=lambda r: r["id"])
    present = [r for r in chosen if r[params.sort] is not None]
    absent = [r for r in chosen if r[params.sort] is None]
    present = sorted(present, key=lambda r: r[params.sort], reverse=params.descending)
    ordered = present + absent
    page = ordered[params.offset : params.offset + params.limit]
    return [r["id"] for r in page], len(chosen)


def _params(draw: st.DrawFn, spec: ListSpec, filters: dict[str, st.SearchStrategy[Any]]) -> Any:
    sort = draw(st.sampled_from([*spec.sortable, "id"]))
    descending = draw(st.booleans())
    q = draw(st.sampled_from(["", "", "a", "A", "%", "_", "=", "b%c", "局", "zz", "nope"]))
    if not spec.search:
        q = ""
    chosen = {}
    for name, strategy in filters.items():
        value = draw(strategy)
        if value is not None:
            chosen[name] = value
    limit = draw(st.integers(1, 12))
    offset = draw(st.integers(0, 30))
    return ListParams(sort, descending, q, chosen, limit, offset)


def _check(
    session: Session,
    spec: ListSpec,
    base: Any,
    rows: list[dict[str, Any]],
    params: Any,
    searched: dict[str, str],
) -> None:
    found = listing.run(session, spec, base, params)
    expected_ids, expected_total = _hand(rows, spec, params, searched)
    assert found.total == expected_total
    assert [row.entity.id for row in found.rows] == expected_ids, params
    by_id = {r["id"]: r for r in rows}
    for record, row in zip(listing.as_records(found), found.rows, strict=True):
        assert record == {c.key: by_id[row.entity.id][c.key] for c in spec.columns}


# -- users ---------------------------------------------------------------------------------


@pytest.fixture
def people(session: Session) -> Population:
    city = factories.department(session, kind=DepartmentKind.CITY, name="zz 市")
    departments = [
        factories.department(session, parent=city, name=name) for name in ("税务局", "Alpha", "b%c")
    ]
    for n, word in enumerate(WORDS * 2):
        who = factories.user(
            session,
            role=list(Role)[n % len(Role)],
            dept=departments[n % 3],  # global roles get none: their department column is NULL
            username=f"{_initial(word)}{next(_names)}-{n}",
        )
        who.display_name = f"{word} {WORDS[(n * 7) % len(WORDS)]}"
        who.is_active = n % 3 != 0
        who.last_login_at = None if n % 5 == 0 else dt.datetime(2026, 1, 1 + n % 9, tzinfo=dt.UTC)
    session.commit()
    return Population([city, *departments])


@st.composite
def user_params(draw: st.DrawFn) -> Any:
    return _params(
        draw,
        queries.users_list(),
        {
            "department_id": st.sampled_from([None, None, 1, 2, 3]),  # an index, resolved below
            "role": st.sampled_from([None, None, *Role]),
        },
    )


def _user_rows(session: Session) -> list[dict[str, Any]]:
    names = {d.id: d.name for d in session.scalars(select(Department))}
    return [
        {
            "id": u.id,
            "username": u.username,
            "display_name": u.display_name,
            "role": u.role,
            "department": names.get(u.department_id),  # type: ignore[arg-type]
            "department_id": u.department_id,
            "is_active": u.is_active,
            "last_login_at": u.last_login_at,
        }
        for u in session.scalars(select(User))
    ]


@HYPOTHESIS
@given(params=user_params())
def test_users_list_equals_the_query_done_by_hand(
    session: Session, people: Population, params: ListParams
) -> None:
    """Catches: a filter or the search not applied (or applied to the wrong column), LIKE
    wildcards in the search not escaped, NULLs sorted first on one backend, a sort without
    the id tiebreak (pages then overlap), the total counted before the filters."""
    filters = dict(params.filters)
    if "department_id" in filters:
        filters["department_id"] = people.departments[filters["department_id"]].id
    params = ListParams(
        params.sort, params.descending, params.q, filters, params.limit, params.offset
    )
    searched = {"department_id": "department_id", "role": "role"}
    spec = queries.users_list()
    _check(session, spec, queries.users(Scope.everything()), _user_rows(session), params, searched)


def test_users_list_keeps_to_the_scope(session: Session, people: Population) -> None:
    """Catches: the read model forgetting the scope (a department sees only its own)."""
    own = people.departments[1]
    scope = Scope(department_ids=frozenset({own.id}))
    params = listing.parse_params(queries.users_list(), {"limit": "500"})
    found = listing.run(session, queries.users_list(), queries.users(scope), params)
    assert found.total > 0
    assert {row.entity.department_id for row in found.rows} == {own.id}


# -- quotas and requests -------------------------------------------------------------------


@pytest.fixture
def holdings(session: Session) -> Population:
    city = factories.department(session, kind=DepartmentKind.CITY)
    departments = [
        factories.department(session, parent=city, name=name) for name in ("税务局", "Alpha", "b%c")
    ]
    zones = [NetworkZone.EXTRANET, NetworkZone.INTERNET]
    for n, (dept, resource, zone) in enumerate(
        itertools.product(departments, list(ResourceClass)[:3], zones)
    ):
        session.add(Quota(department_id=dept.id, resource=resource, zone=zone, limit=n % 4 * 8))
    for n, word in enumerate(WORDS * 2):
        request = ResourceRequest(
            department_id=departments[n % 3].id,
            title=f"{word} {n}",
            justification="because",
            state=list(RequestState)[n % len(RequestState)],
            estimated_monthly_cost=Decimal(n % 5) * Decimal("1234.55"),
            created_by="tests",
            submitted_at=None if n % 4 == 0 else dt.datetime(2026, 3, 1 + n % 6, 8, tzinfo=dt.UTC),
        )
        request.items = [
            RequestItem(name=f"vm{i}", vcpu=(n + i) % 7, zone=NetworkZone.EXTRANET)
            for i in range(n % 3)
        ]
        session.add(request)
    session.commit()
    return Population([city, *departments])


def _quota_rows(session: Session) -> list[dict[str, Any]]:
    names = {d.id: d.name for d in session.scalars(select(Department))}
    return [
        {
            "id": q.id,
            "department": names[q.department_id],
            "department_id": q.department_id,
            "zone": q.zone,
            "resource": q.resource,
            "limit": q.limit,
        }
        for q in session.scalars(select(Quota))
    ]


def _request_rows(session: Session) -> list[dict[str, Any]]:
    names = {d.id: d.name for d in session.scalars(select(Department))}
    return [
        {
            "id": r.id,
            "title": r.title,
            "department": names[r.department_id],
            "department_id": r.department_id,
            "state": r.state,
            "items": len(r.items),
            "vcpu": sum(i.vcpu for i in r.items),
            "estimated_monthly_cost": r.estimated_monthly_cost,
            "submitted_at": r.submitted_at,
        }
        for r in session.scalars(select(ResourceRequest))
    ]


@st.composite
def quota_and_request_params(draw: st.DrawFn) -> tuple[ListParams, ListParams]:
    day = st.one_of(st.none(), st.dates(dt.date(2026, 2, 27), dt.date(2026, 3, 8)))
    start, end = draw(day), draw(day)
    if start is not None and end is not None and end < start:
        start, end = end, start
    dates = st.just(None if start is None and end is None else (start, end))
    quota = _params(
        draw,
        queries.quotas_list(),
        {
            "zone": st.sampled_from([None, NetworkZone.EXTRANET, NetworkZone.INTERNET]),
            "resource": st.sampled_from([None, *list(ResourceClass)[:3]]),
        },
    )
    request = _params(
        draw,
        request_queries.requests_list(),
        {"state": st.sampled_from([None, None, *RequestState]), "submitted": dates},
    )
    return quota, request


@HYPOTHESIS
@given(both=quota_and_request_params())
def test_quotas_and_requests_equal_the_query_done_by_hand(
    session: Session, holdings: Population, both: tuple[ListParams, ListParams]
) -> None:
    """Catches: an inner join dropping rows, a correlated count or sum (items, vCPU) wrong or
    multiplied by a join, decimals compared as text, a date range missing its last day."""
    quota_params, request_params = both
    everything = Scope.everything()
    _check(
        session,
        queries.quotas_list(),
        queries.quotas(everything),
        _quota_rows(session),
        quota_params,
        {"zone": "zone", "resource": "resource"},
    )
    _check(
        session,
        request_queries.requests_list(),
        request_queries.requests(everything),
        _request_rows(session),
        request_params,
        {"state": "state", "submitted": "submitted_at"},
    )


# -- parameters ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "field", "says"),
    [
        ({"sort": "password_hash"}, "sort", "username, display_name, role"),
        ({"sort": "-nope"}, "sort", "must be one of"),
        ({"role": "emperor"}, "role", "department_admin"),
        ({"department_id": "abc"}, "department_id", "whole number"),
        ({"department_id": "99999999999999999999"}, "department_id", "whole number"),
        ({"limit": "0"}, "limit", "from 1 to 500"),
        ({"limit": "501"}, "limit", "from 1 to 500"),
        ({"offset": "-1"}, "offset", "from 0"),
        ({"q": "x" * 201}, "q", "at most 200"),
        ({"q": "a\x00b"}, "q", ""),
    ],
)
def test_bad_parameters_name_their_field(raw: dict[str, str], field: str, says: str) -> None:
    """Catches: an unknown sort column reaching SQL, a filter value silently ignored (the
    reader then believes the list is filtered), a message without the allowed values."""
    with pytest.raises(InvalidInput) as caught:
        listing.parse_params(queries.users_list(), raw)
    assert [p.field for p in caught.value.problems] == [field]
    assert says in caught.value.problems[0].message


def test_date_ranges_are_checked() -> None:
    spec = request_queries.requests_list()
    for raw, field in [
        ({"submitted_from": "2026-13-01"}, "submitted_from"),
        ({"submitted_to": "20260301"}, "submitted_to"),
        ({"submitted_from": "2026-03-05", "submitted_to": "2026-03-01"}, "submitted_to"),
    ]:
        with pytest.raises(InvalidInput) as caught:
            listing.parse_params(spec, raw)
        assert [p.field for p in caught.value.problems] == [field]
    ok = listing.parse_params(spec, {"submitted_from": "2026-03-01", "sort": "-submitted_at"})
    assert ok.filters == {"submitted": (dt.date(2026, 3, 1), None)}
    assert (ok.sort, ok.descending) == ("submitted_at", True)


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(InvalidInput) as caught:
        listing.parse_params(queries.users_list(), {"sort": "x", "role": "y", "limit": "z"})
    assert sorted(p.field for p in caught.value.problems) == ["limit", "role", "sort"]
