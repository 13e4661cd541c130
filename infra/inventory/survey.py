"""The inventory survey: the rows a city collects about its legacy estate.

One sheet (XLSX) or file (CSV) per kind, one row per item, keyed by a natural key so that a
re-import updates rather than duplicates.  The demo city generator emits these same rows, so
the demo is loaded through the importer a real survey goes through.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, ClassVar

from pydantic import Field, StringConstraints

from infra.inventory.enums import Carrier, DeviceKind, NetworkZone
from infra.schemas import InputModel

Key = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$", max_length=64)]
Label = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Model = Annotated[str, StringConstraints(min_length=1, max_length=100)]
# A department by its code (police) or, as the city's forms write it, its full name (市公安局).
DepartmentRef = Annotated[str, StringConstraints(min_length=1, max_length=200)]


class SurveyRow(InputModel):
    kind: ClassVar[str]
    key_field: ClassVar[str]

    @property
    def key(self) -> str:
        return str(getattr(self, self.key_field))


class RoomRow(SurveyRow):
    """A department's machine room (机房)."""

    kind: ClassVar[str] = "rooms"
    key_field: ClassVar[str] = "code"

    code: Key
    department: DepartmentRef
    name: Label
    floor_area_m2: Decimal = Field(ge=0, le=100_000, max_digits=10, decimal_places=2)
    address: Annotated[str, StringConstraints(max_length=300)] | None = None


class ApplicationRow(SurveyRow):
    """An application, by the network it runs on (互联网 / 外网 / 内网 / 业务专网)."""

    kind: ClassVar[str] = "applications"
    key_field: ClassVar[str] = "code"

    code: Key
    department: DepartmentRef
    name: Label
    zone: NetworkZone
    mlps_level: int = Field(default=2, ge=1, le=4)
    room: Key | None = None


class ServerRow(SurveyRow):
    kind: ClassVar[str] = "servers"
    key_field: ClassVar[str] = "name"

    name: Key
    room: Key
    application: Key | None = None
    model: Model
    vcpu: int = Field(ge=1, le=4096)
    cores: int = Field(ge=1, le=2048)
    memory_gib: int = Field(ge=1, le=65_536)
    disk_gib: int = Field(ge=0, le=10_000_000)
    power_draw_w: int = Field(default=0, ge=0, le=50_000)
    purchase_year: int = Field(ge=1980, le=2100)
    zone: NetworkZone


class DeviceRow(SurveyRow):
    """Storage, network and security equipment."""

    kind: ClassVar[str] = "devices"
    key_field: ClassVar[str] = "name"

    name: Key
    room: Key
    device_type: DeviceKind
    model: Model
    power_draw_w: int = Field(default=0, ge=0, le=50_000)
    purchase_year: int = Field(ge=1980, le=2100)


class LineRow(SurveyRow):
    """A leased line (专线) by carrier."""

    kind: ClassVar[str] = "lines"
    key_field: ClassVar[str] = "circuit_id"

    circuit_id: Key
    carrier: Carrier
    bandwidth_mbps: int = Field(ge=1, le=1_000_000)
    room: Key
    z_end: Label
    zone: NetworkZone
    monthly_cost: Decimal = Field(ge=0, max_digits=12, decimal_places=2)


# Import order: what a row refers to is imported before it.
ROW_TYPES: tuple[type[SurveyRow], ...] = (RoomRow, ApplicationRow, ServerRow, DeviceRow, LineRow)
ROW_TYPE_BY_KIND = {row.kind: row for row in ROW_TYPES}


def columns(row_type: type[SurveyRow]) -> list[str]:
    """The header of a sheet of this kind, in order (aliases where the model uses one)."""
    return [field.alias or name for name, field in row_type.model_fields.items()]
