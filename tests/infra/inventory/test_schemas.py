"""Every text an input schema accepts fits its column: a longer one would pass validation and
then fail inside PostgreSQL (which, unlike SQLite, enforces VARCHAR lengths)."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel
from sqlalchemy import String

from infra.inventory import schemas, survey
from infra.inventory.models import (
    Application,
    CarrierLink,
    Contract,
    Device,
    Host,
    IpAddress,
    Provider,
    Rack,
    Site,
    Subnet,
)

PAIRS: list[tuple[type[BaseModel], type[Any]]] = [
    (schemas.ProviderCreate, Provider),
    (schemas.ProviderUpdate, Provider),
    (schemas.ContractCreate, Contract),
    (schemas.SiteCreate, Site),
    (schemas.SiteUpdate, Site),
    (schemas.RackCreate, Rack),
    (schemas.HostCreate, Host),
    (schemas.DeviceCreate, Device),
    (schemas.ApplicationCreate, Application),
    (schemas.SubnetCreate, Subnet),
    (schemas.IpAllocate, IpAddress),
    (schemas.CarrierLinkCreate, CarrierLink),
    (survey.RoomRow, Site),
    (survey.ApplicationRow, Application),
    (survey.ServerRow, Host),
    (survey.DeviceRow, Device),
    (survey.LineRow, CarrierLink),
]


def max_length(prop: dict[str, Any]) -> int | None:
    options = prop.get("anyOf", [prop])
    lengths = [o["maxLength"] for o in options if "maxLength" in o]
    return max(lengths) if lengths else None


@pytest.mark.parametrize(("schema", "model"), PAIRS, ids=[s.__name__ for s, _ in PAIRS])
def test_text_fields_fit_their_columns(schema: type[BaseModel], model: type[Any]) -> None:
    columns = model.__table__.columns
    checked = 0
    for name, prop in schema.model_json_schema()["properties"].items():
        if name not in columns or not isinstance(columns[name].type, String):
            continue
        if columns[name].type.length is None or "enum" in str(prop) or "$ref" in str(prop):
            continue
        limit = max_length(prop)
        assert limit is not None, f"{schema.__name__}.{name} has no maximum length"
        assert limit <= columns[name].type.length, f"{schema.__name__}.{name}"
        checked += 1
    assert checked or schema is schemas.RackCreate
