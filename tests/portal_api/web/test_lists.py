"""The list component on every converted list: the page's rows, its CSV and XLSX exports and
the API's list endpoint answer the same query (same rows, same order, same cells); formula-
looking text is neutralised in both exports; bad parameters are 4xx naming the field; an empty
list says what to do next.  (The query itself is checked against a hand-made one in
tests/infra/test_listing.py.)"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from decimal import Decimal
from html.parser import HTMLParser
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from infra.inventory.enums import DeviceKind, NetworkZone
from infra.inventory.models import Application, Device, Host
from infra.tenancy.enums import ResourceClass, Role
from infra.tenancy.requests.enums import RequestState
from infra.tenancy.requests.models import RequestItem, ResourceRequest
from infra.text import neutralise_cell
from monitoring.incidents import service as incidents
from tests import factories
from tests.monitoring import factories as mf
from tests.portal_api.web.conftest import sign_in
from tests.portal_api.web.test_billing_pages import _billed

FORMULA_DEPT = '=HYPERLINK("http://evil.example","点我")'
FORMULA_TITLE = "+cmd|' /C calc'!A0"


class _Table(HTMLParser):
    """The rows of the page's ``table.data``: (row id, cells), a numeric cell by its exact
    ``data-value``, the actions column left out."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[tuple[str, list[str]]] = []
        self.header: list[str] = []
        self._in_table = self._in_head = False
        self._cell: list[str] | None = None
        self._value: str | None = None
        self._skip = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "table" and "data" in (found.get("class") or ""):
            self._in_table = True
        elif not self._in_table:
            return
        elif tag == "thead":
            self._in_head = True
        elif tag == "tr" and not self._in_head:
            self.rows.append((found.get("id") or "", []))
        elif tag in ("td", "th"):
            self._skip = "actions" in (found.get("class") or "")
            self._cell, self._value = [], found.get("data-value")
        elif tag == "span" and "visually-hidden" in (found.get("class") or ""):
            self._skip = self._skip or self._in_head

    def handle_endtag(self, tag: str) -> None:
        if not self._in_table:
            return
        if tag == "table":
            self._in_table = False
        elif tag == "thead":
            self._in_head = False
        elif tag in ("td", "th") and self._cell is not None:
            text = "".join(self._cell).strip()
            if not self._skip:
                if self._in_head:
                    self.header.append(text.rstrip(" ▲▼"))
                else:
                    self.rows[-1][1].append(self._value if self._value is not None else text)
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def page_table(html: str) -> _Table:
    table = _Table()
    table.feed(html)
    return table


@dataclass(frozen=True)
class Case:
    path: str
    query: str  # a sort and a filter the page and the exports share
    api: str  # the list endpoint (same parameters), or "" for none
    role: Role


CASES = {
    "departments": Case(
        "/departments", "sort=-name&kind=department", "/api/v1/departments", Role.OPERATOR
    ),
    "users": Case("/users", "sort=display_name&q=-", "/api/v1/users", Role.OPERATOR),
    "quotas": Case("/quotas", "sort=-limit&zone=extranet", "/api/v1/quotas", Role.OPERATOR),
    "requests": Case(
        "/requests", "sort=title&submitted_from=2026-03-01", "/api/v1/requests", Role.OPERATOR
    ),
    "hosts": Case("/inventory/hosts", "sort=-name", "/api/v1/inventory/hosts", Role.OPERATOR),
    "sites": Case("/inventory/sites", "sort=-code", "/api/v1/inventory/sites", Role.OPERATOR),
    "devices": Case("/inventory/devices", "sort=name", "/api/v1/inventory/devices", Role.OPERATOR),
    "applications": Case(
        "/inventory/applications", "sort=-code", "/api/v1/inventory/applications", Role.OPERATOR
    ),
    "invoices": Case("/billing", "sort=number", "/api/v1/billing/invoices", Role.FINANCE),
    "incidents": Case("/monitoring/incidents", "sort=title", "/api/v1/incidents", Role.OPERATOR),
}


@pytest.fixture
def city(session: Session) -> factories.World:
    """A world whose texts include formula-looking ones, in every list."""
    w = factories.world(session)
    w.other.name = FORMULA_DEPT
    for n in range(3):
        factories.user(session, role=Role.DEPARTMENT_USER, dept=w.other).display_name = (
            f"-{n} user" if n else "@SUM(1+1)"
        )
        for resource in list(ResourceClass)[:2]:
            factories.quota(
                session, dept=[w.own, w.other, w.section][n], resource=resource, limit=8 * (n + 1)
            )
    for n, title in enumerate([FORMULA_TITLE, "database", "web tier", "b%c"]):
        request = ResourceRequest(
            department_id=[w.own, w.other][n % 2].id,
            title=title,
            justification="because",
            state=list(RequestState)[n],
            estimated_monthly_cost=Decimal("1234.56") * n,
            created_by="tests",
            submitted_at=dt.datetime(2026, 3, 1 + n, 9, tzinfo=dt.UTC) if n else None,
        )
        request.items = [RequestItem(name="vm", vcpu=4 + n, zone=NetworkZone.EXTRANET)]
        session.add(request)
    estate = factories.provider_estate(session)
    host = session.get(Host, estate.host_id)
    assert host is not None
    host.name = "-2+3"
    for n, name in enumerate(["=switch", "core router", "fw"]):
        session.add(
            Device(
                name=name,
                kind=list(DeviceKind)[n % len(DeviceKind)],
                site_id=estate.site_id,
                model="m",
                power_draw_w=100 * n,
                purchase_year=2020,
                department_id=w.own.id,
            )
        )
        session.add(
            Application(
                code=f"app-{n}",
                name=f"{name} app",
                department_id=[w.own, w.other][n % 2].id,
                zone=NetworkZone.EXTRANET,
                mlps_level=2 + n % 2,
            )
        )
    service = mf.service(session, dept=w.other, prov=mf.provider(session))
    opened = incidents.open_from_probe(
        session, service=service, error="timeout", at=dt.datetime(2026, 3, 2, tzinfo=dt.UTC)
    )
    assert opened is not None
    opened.title = "=1+1"
    session.commit()
    _billed(session, w)  # September's invoices, one of them for the formula-named department
    return w


def _exports(client: TestClient, url: str) -> tuple[list[list[str]], list[list[Any]]]:
    joiner = "&" if "?" in url else "?"
    as_csv = client.get(f"{url}{joiner}format=csv")
    assert as_csv.status_code == 200, as_csv.text[:500]
    assert as_csv.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(as_csv.content.decode("utf-8-sig"))))
    as_xlsx = client.get(f"{url}{joiner}format=xlsx")
    assert as_xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(as_xlsx.content)).worksheets[0]
    cells = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert not any(cell.data_type == "f" for row in sheet.iter_rows() for cell in row)
    return rows, cells


@pytest.mark.parametrize("name", list(CASES))
def test_page_exports_and_api_answer_the_same_query(
    client: TestClient, session: Session, city: factories.World, name: str
) -> None:
    """Catches: an export that ignores the sort, the search or a filter (or pages), a cell the
    page shows one way and the export another, an API list ordered or filtered differently
    from its page, a formula reaching a spreadsheet live."""
    case = CASES[name]
    sign_in(client, city.users[case.role])
    url = f"{case.path}?{case.query}"
    page = client.get(url)
    assert page.status_code == 200, page.text[:500]
    table = page_table(page.text)
    assert table.rows, f"{name}: the case should show rows"
    as_csv, as_xlsx = _exports(client, url)
    shown = [[neutralise_cell(cell) for cell in cells] for _, cells in table.rows]
    assert as_csv[0] == table.header
    assert as_csv[1:] == shown
    assert [[("" if v is None else str(v)) for v in row] for row in as_xlsx[1:]] == shown
    if case.api:
        answer = client.get(f"{case.api}?{case.query}", headers=city.headers[case.role])
        assert answer.status_code == 200, answer.text[:500]
        body = answer.json()
        items = body["items"] if isinstance(body, dict) else body
        assert [str(item["id"]) for item in items] == [
            row_id.rsplit("-", 1)[1] for row_id, _ in table.rows
        ]


def test_formula_looking_text_is_neutralised_in_both_exports(
    client: TestClient, session: Session, city: factories.World
) -> None:
    """Catches: an export writing ``=HYPERLINK(…)`` as a live formula (CSV or XLSX)."""
    sign_in(client, city.users[Role.OPERATOR])
    for path, text in [("/departments", FORMULA_DEPT), ("/requests", FORMULA_TITLE)]:
        as_csv, as_xlsx = _exports(client, path)
        assert text in client.get(path).text.replace("&#34;", '"').replace("&#39;", "'")
        assert ["'" + text in row for row in as_csv].count(True) == 1, path
        assert ["'" + text in row for row in as_xlsx].count(True) == 1, path


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/users?sort=password_hash", "sort"),
        ("/users?role=emperor", "role"),
        ("/quotas?zone=moon", "zone"),
        ("/quotas?department_id=abc", "department_id"),
        ("/requests?submitted_from=2026-02-30", "submitted_from"),
        ("/requests?format=pdf", "format"),
        ("/inventory/hosts?status=melted", "status"),
        ("/monitoring/incidents?sort=-nope", "sort"),
        ("/departments?limit=100000", "limit"),
        ("/api/v1/users?sort=password_hash", "sort"),
        ("/api/v1/quotas?zone=moon", "zone"),
        ("/api/v1/requests?q=" + "x" * 201, "q"),
        ("/api/v1/inventory/hosts?offset=-1", "offset"),
        ("/api/v1/incidents?state=lost", "state"),
        ("/api/v1/billing/invoices?month=2026-13-01", "month"),
    ],
)
def test_bad_parameters_are_refused_naming_the_field(
    client: TestClient, session: Session, city: factories.World, url: str, field: str
) -> None:
    """Catches: a bad sort column or filter value reaching SQL (a 500) or silently ignored."""
    if url.startswith("/api/"):
        answer = client.get(url, headers=city.headers[Role.OPERATOR])
        assert answer.status_code == 422, answer.text[:300]
        assert field in [problem["field"] for problem in answer.json()["fields"]]
    else:
        sign_in(client, city.users[Role.OPERATOR])
        answer = client.get(url)
        assert answer.status_code == 422, answer.text[:300]
        assert field in answer.text


def test_sort_links_flip_and_pages_do_not_overlap(
    client: TestClient, session: Session, city: factories.World
) -> None:
    """Catches: a header link that does not flip the order, pages without a stable tiebreak
    (limit 1 walks every row once, whatever the ties in the sorted column)."""
    sign_in(client, city.users[Role.OPERATOR])
    html = client.get("/quotas?sort=limit").text
    assert 'href="/quotas?sort=-limit"' in html
    assert 'aria-sort="ascending"' in html
    everything = [r for r, _ in page_table(client.get("/quotas?sort=limit&limit=500").text).rows]
    walked = [
        row
        for offset in range(len(everything))
        for row, _ in page_table(
            client.get(f"/quotas?sort=limit&limit=1&offset={offset}").text
        ).rows
    ]
    assert walked == everything


def test_empty_lists_say_what_to_do_next(client: TestClient, session: Session) -> None:
    """Catches: an empty state without its next step (clear the filters; add the first)."""
    w = factories.world(session)
    sign_in(client, w.users[Role.OPERATOR])
    nothing = client.get("/quotas").text
    assert 'href="/quotas/new">设定配额</a>' in nothing
    filtered = client.get("/users?q=nobody-by-this-name").text
    assert "没有符合搜索或筛选条件的记录" in filtered
    assert '<a class="button" href="/users">清除筛选</a>' in filtered
