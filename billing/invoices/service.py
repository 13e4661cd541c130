"""Department invoices: rate a month, issue one immutable invoice per department, credit notes.

Late usage of an already-closed month is found by re-rating that month with today's intervals
and its measured-usage record (``measured.py``) and comparing with what its invoices billed;
the difference is an adjustment line in the month being closed.  Closed months are never
re-rated into their own invoices.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping, Sequence
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from billing.invoices.enums import InvoiceKind, LineCategory, PeriodStatus
from billing.invoices.exceptions import ONLY_INVOICES_CREDITED
from billing.invoices.models import BillingPeriod, Invoice, InvoiceLine
from billing.invoices.render import canonical_csv, content_hash
from billing.invoices.schemas import CreditNoteCreate
from billing.metering.schemas import MeteredRow
from billing.ratecards.enums import SERVICE_LABELS, CardSide, ServiceType
from billing.ratecards.service import card_for
from billing.rating.engine import rate, usage_table
from billing.rating.schemas import FIXED_TIER, RatedLine
from infra.audit.actor import Actor
from infra.audit.service import record
from infra.errors import AT_MOST_AMOUNT, NOT_FOUND_NAMED, InvalidInput, NotFound, Thing
from infra.inventory.enums import NetworkZone
from infra.schedules.types import CITY_TIMEZONE
from infra.tenancy.scope import Scope

ZONES = tuple(z.value for z in NetworkZone)
ADJUSTMENT_LOOKBACK = 12  # closed months re-checked for late usage at each close


def month_start(at: dt.date) -> dt.date:
    return at.replace(day=1)


def next_month(month: dt.date) -> dt.date:
    return (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def month_bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """``[start, end)`` of a local month, in aware UTC."""
    tz = ZoneInfo(CITY_TIMEZONE)
    start = dt.datetime.combine(month, dt.time(), tzinfo=tz)
    end = dt.datetime.combine(next_month(month), dt.time(), tzinfo=tz)
    return start.astimezone(dt.UTC), end.astimezone(dt.UTC)


def rate_charges(session: Session, rows: Sequence[MeteredRow], month: dt.date) -> list[RatedLine]:
    """Price a month's metered rows on the charge card."""
    card = card_for(
        session, side=CardSide.CHARGE, provider_id=None, start=month, end=next_month(month)
    )
    return rate(usage_table(r.usage() for r in rows), card, zones=ZONES)


def _describe(line: RatedLine) -> str:
    label = SERVICE_LABELS[ServiceType(line.service)][1]
    part = "fixed monthly fee" if line.tier == FIXED_TIER else f"tier {line.tier + 1}"
    return f"{label}, {line.zone}, {part}"


def _usage_line(month: dt.date, line: RatedLine) -> InvoiceLine:
    return InvoiceLine(
        usage_month=month,
        category=LineCategory.FIXED if line.tier == FIXED_TIER else LineCategory.USAGE,
        service=line.service,
        zone=line.zone,
        version_id=line.version_id,
        tier=line.tier,
        quantity_minutes=line.quantity_minutes,
        unit=ServiceType(line.service).unit.value,
        unit_price=line.unit_price,
        amount=line.amount,
        description=_describe(line),
    )


def billed_by_key(session: Session, month: dt.date) -> dict[tuple[int, str, str], Decimal]:
    """What the invoices billed for ``month``'s usage (credit notes excluded: a credit corrects
    a price or a mistake, and must not be re-billed as "late usage"; reserved-quota charges
    excluded: they are not usage)."""
    query = (
        select(Invoice.department_id, InvoiceLine.service, InvoiceLine.zone, InvoiceLine.amount)
        .join(InvoiceLine.invoice)
        .where(
            InvoiceLine.usage_month == month,
            InvoiceLine.category.not_in([LineCategory.CREDIT, LineCategory.RESERVED]),
        )
    )
    out: dict[tuple[int, str, str], Decimal] = defaultdict(Decimal)
    for dept, service, zone, amount in session.execute(query):
        out[(dept, service, zone)] += amount
    return out


def adjustments(
    session: Session,
    *,
    month: dt.date,
    rerated: dict[dt.date, list[RatedLine]],
    frozen: Mapping[dt.date, frozenset[str]] | None = None,
) -> list[tuple[int, InvoiceLine]]:
    """Adjustment lines (department, line) for late usage of earlier closed months; services
    ``frozen`` for a month (no trustworthy re-measurement) are left as invoiced."""
    out: list[tuple[int, InvoiceLine]] = []
    for earlier, lines in sorted(rerated.items()):
        skip = (frozen or {}).get(earlier, frozenset())
        now: dict[tuple[int, str, str], Decimal] = defaultdict(Decimal)
        for line in lines:
            now[(line.department_id, line.service, line.zone)] += line.amount
        billed = billed_by_key(session, earlier)
        for key in sorted(set(now) | set(billed)):
            diff = now.get(key, Decimal(0)) - billed.get(key, Decimal(0))
            if diff == 0 or key[1] in skip:
                continue
            dept, service, zone = key
            out.append(
                (
                    dept,
                    InvoiceLine(
                        usage_month=earlier,
                        category=LineCategory.ADJUSTMENT,
                        service=service,
                        zone=zone,
                        version_id=None,
                        tier=0,
                        quantity_minutes=0,
                        unit=ServiceType(service).unit.value,
                        unit_price=diff,
                        amount=diff,
                        description=f"late usage of {earlier:%Y-%m}",
                    ),
                )
            )
    return out


def issue_invoices(
    session: Session,
    *,
    month: dt.date,
    rated: Sequence[RatedLine],
    extra: Sequence[tuple[int, InvoiceLine]],
    actor: Actor,
) -> list[Invoice]:
    """One invoice per department with lines, hashed and recorded in the audit log."""
    by_dept: dict[int, list[InvoiceLine]] = defaultdict(list)
    for line in rated:
        by_dept[line.department_id].append(_usage_line(month, line))
    for dept, extra_line in extra:
        by_dept[dept].append(extra_line)
    issued = []
    for dept in sorted(by_dept):
        issued.append(
            _issue(
                session,
                department_id=dept,
                month=month,
                kind=InvoiceKind.INVOICE,
                lines=by_dept[dept],
                actor=actor,
            )
        )
    return issued


def _issue(
    session: Session,
    *,
    department_id: int,
    month: dt.date,
    kind: InvoiceKind,
    lines: list[InvoiceLine],
    actor: Actor,
    sequence: int = 0,
    corrects_id: int | None = None,
    reason: str | None = None,
) -> Invoice:
    prefix = "INV" if kind is InvoiceKind.INVOICE else "CN"
    suffix = f"-{sequence}" if sequence else ""
    invoice = Invoice(
        number=f"{prefix}-{month:%Y%m}-{department_id:05d}{suffix}",
        department_id=department_id,
        month=month,
        kind=kind,
        sequence=sequence,
        corrects_id=corrects_id,
        total=sum((line.amount for line in lines), Decimal(0)),
        reason=reason,
        issued_by=actor.username,
    )
    for position, line in enumerate(lines, start=1):
        line.position = position
    invoice.content_hash = content_hash(canonical_csv(invoice, lines))
    invoice.lines = lines
    session.add(invoice)
    session.flush()
    record(
        session,
        actor=actor,
        action="issue",
        entity="invoice",
        entity_id=invoice.number,
        department_id=department_id,
        after={"content_hash": invoice.content_hash, "total": str(invoice.total)},
    )
    return invoice


def issue_credit_note(
    session: Session, *, invoice_id: int, data: CreditNoteCreate, actor: Actor
) -> Invoice:
    """Correct an issued invoice: a credit note of negative lines against named positions."""
    original = get_invoice(session, invoice_id=invoice_id, scope=Scope.everything())
    if original.kind is not InvoiceKind.INVOICE:
        raise InvalidInput.one(
            "invoice_id", "only an invoice can be credited", code=ONLY_INVOICES_CREDITED
        )
    by_position = {line.position: line for line in original.lines}
    credited = _credited_so_far(session, original.id)
    lines: list[InvoiceLine] = []
    for index, item in enumerate(data.lines):
        source = by_position.get(item.position)
        if source is None:
            raise InvalidInput.one(
                f"lines.{index}.position",
                f"no line {item.position}",
                code=NOT_FOUND_NAMED,
                params={"what": Thing.INVOICE_LINE, "value": str(item.position)},
            )
        left = source.amount - credited.get(item.position, Decimal(0))
        if item.amount > left:
            raise InvalidInput.one(
                f"lines.{index}.amount",
                f"at most {left} can still be credited on this line",
                code=AT_MOST_AMOUNT,
                params={"maximum": left},
            )
        lines.append(
            InvoiceLine(
                usage_month=source.usage_month,
                category=LineCategory.CREDIT,
                service=source.service,
                zone=source.zone,
                version_id=source.version_id,
                tier=item.position,  # the credited line's position
                quantity_minutes=0,
                unit=source.unit,
                unit_price=-item.amount,
                amount=-item.amount,
                description=f"credit on {original.number} line {item.position}: {data.reason}",
            )
        )
    sequence = 1 + len(
        list(session.scalars(select(Invoice.id).where(Invoice.corrects_id == original.id)))
    )
    return _issue(
        session,
        department_id=original.department_id,
        month=original.month,
        kind=InvoiceKind.CREDIT_NOTE,
        lines=lines,
        actor=actor,
        sequence=sequence,
        corrects_id=original.id,
        reason=data.reason,
    )


def _credited_so_far(session: Session, invoice_id: int) -> dict[int, Decimal]:
    query = (
        select(InvoiceLine.tier, InvoiceLine.amount)
        .join(InvoiceLine.invoice)
        .where(Invoice.corrects_id == invoice_id)
    )
    out: dict[int, Decimal] = defaultdict(Decimal)
    for position, amount in session.execute(query):
        out[position] -= amount
    return out


def get_invoice(session: Session, *, invoice_id: int, scope: Scope) -> Invoice:
    """One invoice, or NotFound if missing or outside the scope."""
    invoice = session.scalars(
        select(Invoice).where(Invoice.id == invoice_id).options(selectinload(Invoice.lines))
    ).first()
    if invoice is None:
        raise NotFound("invoice", invoice_id)
    scope.require("invoice", invoice_id, invoice.department_id)
    return invoice


def list_invoices(
    session: Session,
    *,
    scope: Scope,
    month: dt.date | None = None,
    department_id: int | None = None,
) -> list[Invoice]:
    """Invoices and credit notes visible in ``scope``, newest month first."""
    query = select(Invoice).where(scope.where(Invoice.department_id))
    if month is not None:
        query = query.where(Invoice.month == month)
    if department_id is not None:
        query = query.where(Invoice.department_id == department_id)
    return list(session.scalars(query.order_by(Invoice.month.desc(), Invoice.number)))


def get_period(session: Session, month: dt.date) -> BillingPeriod | None:
    return session.scalars(select(BillingPeriod).where(BillingPeriod.month == month)).first()


def closed_months(session: Session, *, before: dt.date) -> list[dt.date]:
    query = (
        select(BillingPeriod.month)
        .where(BillingPeriod.status == PeriodStatus.CLOSED, BillingPeriod.month < before)
        .order_by(BillingPeriod.month.desc())
        .limit(ADJUSTMENT_LOOKBACK)
    )
    return sorted(session.scalars(query))
