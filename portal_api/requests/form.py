"""The new-request form: a head (department, title, term) and one or more machine shapes, each
a row of sizes and a count of identical machines.

Rows are added and removed by the server (an "add" or "remove" button posts the form and gets
it back with everything typed kept), so the form works without JavaScript.  A refused
submission comes back with every value as typed, the "submit now" box included, and each
problem beside the row and field it concerns.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.responses import Response

from infra.errors import GovcloudError
from infra.inventory.enums import SHARED_ZONES
from infra.tenancy.models import User
from infra.tenancy.requests import service
from infra.tenancy.requests.schemas import MAX_ITEMS, RequestCreate
from portal_api.deps import SessionDep
from portal_api.web import access, forms
from portal_api.web.auth import CheckedForm, Viewer
from portal_api.web.lists import visible_departments
from portal_api.web.messages import Gettext
from portal_api.web.render import gettext_for, redirect, render

router = APIRouter()

HEAD_FIELDS = ("department_id", "title", "justification", "wanted_by", "ends_on")
ITEM_FIELDS = (
    "name",
    "count",
    "vcpu",
    "memory_gib",
    "storage_gib",
    "public_ip",
    "bandwidth_mbps",
    "zone",
    "mlps_level",
    "anti_affinity_group",
)
MAX_COUNT = 50  # identical machines in one row
MAX_ROWS = 20  # machine shapes in one request
NEW_ROW = {"name": "", "count": "1", "zone": "extranet", "mlps_level": "2"}
_ROW_KEY = re.compile(r"^items-(\d+)-")
_PROBLEM_AT = re.compile(r"^items\[(\d+)\]\.(\w+)$")


def signed_in_user(session: Session, viewer: Viewer) -> User:
    user = session.get(User, viewer.user_id)
    assert user is not None
    return user


def field_name(row: int, name: str) -> str:
    return f"items-{row}-{name}"


def _blank_row(**values: str) -> dict[str, str]:
    return {**dict.fromkeys(ITEM_FIELDS, ""), **NEW_ROW, **values}


def _rows_of(form: FormData) -> list[dict[str, str]]:
    """The posted rows in their order (gaps left by removed rows closed up)."""
    indices = sorted({int(m.group(1)) for key in form if (m := _ROW_KEY.match(key))})
    return [
        {name: forms.text(form, field_name(index, name)) for name in ITEM_FIELDS}
        for index in indices[: MAX_ROWS + 1]
    ]


def _state(head: dict[str, str], rows: list[dict[str, str]], submit: bool) -> forms.FormState:
    values: dict[str, Any] = dict(head)
    for row, row_values in enumerate(rows):
        for name, value in row_values.items():
            values[field_name(row, name)] = value
    values["submit"] = "1" if submit else ""
    return forms.FormState(values=values)


def _form_page(
    request: Request,
    session: Session,
    viewer: Viewer,
    state: forms.FormState,
    rows: int,
    status: int = 200,
) -> Response:
    context = {
        "form": state,
        "rows": list(range(rows)),
        "max_rows": MAX_ROWS,
        "max_count": MAX_COUNT,
        "departments": visible_departments(session, viewer.scope),
        "zones": list(SHARED_ZONES),
    }
    return render(request, "requests/form.html", context, status=status)


@router.get("/requests/new", response_class=HTMLResponse)
def new_page(request: Request, session: SessionDep, viewer: access.RequestWrite) -> Response:
    head = dict.fromkeys(HEAD_FIELDS, "")
    head["department_id"] = str(viewer.department_id or "")
    state = _state(head, [_blank_row(name="vm")], submit=False)
    return _form_page(request, session, viewer, state, rows=1)


def _payload(
    head: dict[str, str],
    rows: list[dict[str, str]],
    submit: bool,
    state: forms.FormState,
    _: Gettext,
) -> tuple[dict[str, Any], list[int]]:
    """The API's input from the rows, and for each expanded item the row it came from."""
    items: list[dict[str, Any]] = []
    origin: list[int] = []
    for row, values in enumerate(rows):
        raw = values["count"] or "1"
        count = int(raw) if raw.isdigit() else 0
        if not 1 <= count <= MAX_COUNT:
            state.add(
                field_name(row, "count"),
                _("Enter a number between %(minimum)s and %(maximum)s.")
                % {"minimum": 1, "maximum": MAX_COUNT},
            )
            continue
        item = {k: v for k, v in values.items() if k != "count" and v != ""}
        items.extend([item] * count)
        origin.extend([row] * count)
    if len(items) > MAX_ITEMS:
        state.add("", _("A request holds at most %(maximum)s machines.") % {"maximum": MAX_ITEMS})
    head_data = forms.without_blanks(dict(head), "department_id", "wanted_by", "ends_on")
    return {**head_data, "items": items, "submit": submit}, origin


def _record_validation(
    state: forms.FormState, exc: ValidationError, origin: list[int], _: Gettext
) -> None:
    """Pydantic's problems, each on its row's field (``items.3.vcpu`` → the 3rd item's row)."""
    for error in exc.errors():
        loc = tuple(error["loc"])
        if len(loc) >= 3 and loc[0] == "items" and isinstance(loc[1], int):
            name = field_name(origin[loc[1]], str(loc[2]))
        elif len(loc) == 2 and loc[0] == "items" and isinstance(loc[1], int):
            name = field_name(origin[loc[1]], "name")  # a row-level rule (no resource asked)
        else:
            name = str(loc[0]) if loc and str(loc[0]) in state.values else ""
        state.add(name if name in state.values else "", forms._validation_message(error, _))


def _record_domain(
    state: forms.FormState, exc: GovcloudError, origin: list[int], _: Gettext
) -> int:
    """The service's refusal in the page's language; ``items[3].zone`` problems go beside the
    3rd item's row, a request-wide one on a resource (the quota's ``vcpu``) beside the first
    row's field of that name."""

    def field_for(field: str) -> str:
        found = _PROBLEM_AT.match(field)
        if found and int(found.group(1)) < len(origin):
            return field_name(origin[int(found.group(1))], found.group(2))
        if field not in state.values and origin:
            return field_name(origin[0], field)
        return field

    return forms.record_error(state, exc, _, field_for=field_for)


def _too_many_rows(state: forms.FormState, _: Gettext) -> None:
    state.add("", _("A request holds at most %(maximum)s machine shapes.") % {"maximum": MAX_ROWS})


@router.post("/requests/new", response_class=HTMLResponse)
def create(
    request: Request, session: SessionDep, viewer: access.RequestWrite, form: CheckedForm
) -> Response:
    _ = gettext_for(request)
    head = forms.values(form, HEAD_FIELDS)
    rows = _rows_of(form)
    submit = bool(form.get("submit"))
    if form.get("add_row") is not None:
        if len(rows) < MAX_ROWS:
            rows.append(_blank_row())
        state = _state(head, rows, submit)
        if len(rows) >= MAX_ROWS:
            state.add(
                "", _("A request holds at most %(maximum)s machine shapes.") % {"maximum": MAX_ROWS}
            )
        return _form_page(request, session, viewer, state, rows=len(rows))
    removed = forms.text(form, "remove_row")
    if removed.isdigit():
        rows = [r for n, r in enumerate(rows) if n != int(removed)] or [_blank_row()]
        return _form_page(request, session, viewer, _state(head, rows, submit), rows=len(rows))
    state = _state(head, rows, submit)
    if not rows:
        rows = [_blank_row()]
        state = _state(head, rows, submit)
    if len(rows) > MAX_ROWS:
        rows = rows[:MAX_ROWS]
        state = _state(head, rows, submit)
        state.add(
            "", _("A request holds at most %(maximum)s machine shapes.") % {"maximum": MAX_ROWS}
        )
        return _form_page(request, session, viewer, state, rows=len(rows), status=422)
    payload, origin = _payload(head, rows, submit, state, _)
    if state.errors:
        return _form_page(request, session, viewer, state, rows=len(rows), status=422)
    try:
        with session.begin_nested():
            data = RequestCreate.model_validate(payload)
            made, _created = service.create_request(
                session, scope=viewer.scope, user=signed_in_user(session, viewer), data=data
            )
    except ValidationError as exc:
        _record_validation(state, exc, origin, _)
        return _form_page(request, session, viewer, state, rows=len(rows), status=422)
    except GovcloudError as exc:
        status = _record_domain(state, exc, origin, _)
        return _form_page(request, session, viewer, state, rows=len(rows), status=status)
    session.commit()  # release the locks in this worker thread (see requests/api.py `_done`)
    return redirect(request, f"/requests/{made.id}", _("The request was filed."))
