"""Month-end close: idempotent, immutable invoices, credit notes, late usage as adjustments."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from billing.invoices.budgets import list_alerts, set_budget
from billing.invoices.enums import InvoiceKind, LineCategory
from billing.invoices.exceptions import InvoiceImmutable, PeriodNotOver
from billing.invoices.flows import close_month
from billing.invoices.models import Invoice
from billing.invoices.render import canonical_csv, content_hash, invoice_pdf
from billing.invoices.schemas import CreditLineIn, CreditNoteCreate
from billing.invoices.service import issue_credit_note, list_invoices
from billing.settlements.service import NO_ASSESSMENT, list_settlements
from infra.audit.models import AuditEntry
from infra.errors import InvalidInput
from infra.tenancy.scope import Scope
from tests import factories
from tests.billing import factories as bf

OCT = dt.date(2026, 10, 1)
NOW = bf.at(2026, 11, 30)


def _two_departments(session: Session) -> bf.Billing:
    world = bf.scene(session)
    a, b = world.departments
    bf.allocate(
        session,
        department=a,
        host=world.host,
        start=bf.at(2026, 9, 20),
        public_ip=1,
        bandwidth_mbps=20,
    )
    bf.allocate(
        session,
        department=b,
        host=world.host,
        start=bf.at(2026, 10, 14, 12),
        vcpu=16,
        memory_gib=64,
    )
    return world


def _bytes(session: Session) -> dict[str, bytes]:
    invoices = session.scalars(select(Invoice).order_by(Invoice.id))
    return {i.number: canonical_csv(i, list(i.lines)) for i in invoices}


def test_close_is_idempotent_and_bytes_do_not_change(session: Session) -> None:
    """Catches a second close issuing new invoices, or a rendering that is not a function of
    the stored rows (re-running a closed month must give the same bytes)."""
    _two_departments(session)
    first = close_month(session, month=OCT, actor=bf.SYSTEM, now=NOW)
    session.commit()
    assert first["invoices"] == 2
    assert not first["already_closed"]
    before = _bytes(session)
    again = close_month(session, month=OCT, actor=bf.SYSTEM, now=NOW)
    session.commit()
    assert again["already_closed"]
    assert again["hashes"] == first["hashes"]
    assert _bytes(session) == before
    for number, data in before.items():
        assert first["hashes"][number] == content_hash(data)
        audit = session.scalars(
            select(AuditEntry).where(AuditEntry.entity == "invoice", AuditEntry.entity_id == number)
        ).one()
        assert audit.after is not None
        assert audit.after["content_hash"] == content_hash(data)


def test_mid_month_card_change_and_fixed_total(session: Session) -> None:
    """Department b's 16 vCPU from 14 Oct 12:00 local: 12 h on the old card (0.08), then
    17 days on the new one (0.07), and memory likewise — totals computed by hand."""
    world = _two_departments(session)
    close_month(session, month=OCT, actor=bf.SYSTEM, now=NOW)
    b = world.departments[1]
    (invoice,) = list_invoices(session, scope=Scope.everything(), department_id=b.id)
    by = {
        (ln.service, ln.version_id is not None and ln.unit_price): ln.amount for ln in invoice.lines
    }
    old_hours, new_hours = 12, 17 * 24
    assert by[("ecs_vcpu", Decimal("0.08"))] == Decimal(16 * old_hours) * Decimal("0.08")
    assert by[("ecs_vcpu", Decimal("0.07"))] == Decimal(16 * new_hours) * Decimal("0.07")
    # 64 × 408 × 0.009 = 235.008 → 235.01 (to the fen, half up)
    assert by[("ecs_memory", Decimal("0.009"))] == Decimal("235.01")


def test_issued_invoice_never_changes_and_corrections_are_credit_notes(session: Session) -> None:
    """Catches an ORM update slipping through, and credit notes that over-credit a line."""
    world = _two_departments(session)
    close_month(session, month=OCT, actor=bf.SYSTEM, now=NOW)
    session.commit()
    a = world.departments[0]
    (invoice,) = list_invoices(session, scope=Scope.everything(), department_id=a.id)
    invoice.total = Decimal("1.00")
    with pytest.raises(InvoiceImmutable):
        session.flush()
    session.rollback()
    (invoice,) = list_invoices(session, scope=Scope.everything(), department_id=a.id)
    line = invoice.lines[0]
    with pytest.raises(InvalidInput) as caught:
        issue_credit_note(
            session,
            invoice_id=invoice.id,
            data=CreditNoteCreate(
                reason="too much", lines=[CreditLineIn(position=1, amount=line.amount + 1)]
            ),
            actor=bf.SYSTEM,
        )
    assert caught.value.problems[0].field == "lines.0.amount"
    note = issue_credit_note(
        session,
        invoice_id=invoice.id,
        data=CreditNoteCreate(
            reason="host outage 3 Oct", lines=[CreditLineIn(position=1, amount=Decimal("0.50"))]
        ),
        actor=bf.SYSTEM,
    )
    session.commit()
    assert note.kind is InvoiceKind.CREDIT_NOTE
    assert note.total == Decimal("-0.50")
    assert note.corrects_id == invoice.id
    assert note.number.startswith("CN-202610-")


def test_late_usage_is_an_adjustment_next_month(session: Session) -> None:
    """Usage of October recorded after October closed is billed in November as an
    adjustment; October's invoice is untouched.  Catches late data rewriting an invoice."""
    world = _two_departments(session)
    close_month(session, month=OCT, actor=bf.SYSTEM, now=NOW)
    session.commit()
    before = _bytes(session)
    a = world.departments[0]
    bf.allocate(
        session,
        department=a,
        host=world.host,
        start=bf.at(2026, 10, 31, 23, 0),
        vcpu=60,
        memory_gib=0,
        storage_gib=0,
    )
    summary = close_month(
        session, month=dt.date(2026, 11, 1), actor=bf.SYSTEM, now=bf.at(2026, 12, 1, 1)
    )
    session.commit()
    assert summary["adjustment_lines"] == 1
    assert {k: v for k, v in _bytes(session).items() if k in before} == before
    (nov,) = list_invoices(
        session, scope=Scope.everything(), department_id=a.id, month=dt.date(2026, 11, 1)
    )
    adj = [ln for ln in nov.lines if ln.category is LineCategory.ADJUSTMENT]
    assert [(ln.usage_month, ln.amount) for ln in adj] == [(OCT, Decimal("4.20"))]  # 60 × 0.07


def test_open_month_is_refused(session: Session) -> None:
    bf.scene(session)
    with pytest.raises(PeriodNotOver):
        close_month(session, month=dt.date(2026, 11, 1), actor=bf.SYSTEM, now=NOW)


def test_budgets_settlements_and_pdf(session: Session) -> None:
    world = _two_departments(session)
    a, b = world.departments
    set_budget(session, department_id=a.id, monthly_amount=Decimal("10.00"), actor=bf.SYSTEM)
    set_budget(session, department_id=b.id, monthly_amount=Decimal("1000000"), actor=bf.SYSTEM)
    close_month(session, month=OCT, actor=bf.SYSTEM, now=NOW)
    alerts = list_alerts(session, scope=Scope.everything())
    assert sorted((x.department_id, x.threshold) for x in alerts) == [(a.id, 80), (a.id, 100)]
    (settlement,) = list_settlements(session, scope=Scope.everything())
    assert settlement.fee_factor == 1
    assert settlement.factor_reason == NO_ASSESSMENT
    assert settlement.amount == settlement.contract_fee + settlement.variable_cost
    assert list_settlements(session, scope=Scope.provider(world.provider.id + 1)) == []
    (invoice,) = list_invoices(session, scope=Scope(frozenset({b.id})))
    assert invoice.department_id == b.id
    pdf = invoice_pdf(invoice, list(invoice.lines), department="市大数据局", lang="zh-CN")
    assert pdf.startswith(b"%PDF")


def test_reserved_but_unused_quota_is_charged_when_configured(session: Session) -> None:
    """100 vCPU of quota, 4 used all October from the 1st: 96 × 744 h unused × 0.07 (the new
    card's last price, extranet × 1.00) × 30 % = 1,499.90 — and nothing when the rate is 0."""
    world = bf.scene(session, departments=2)
    a, b = world.departments
    factories.quota(session, dept=a, limit=100)
    factories.quota(session, dept=b, limit=10)
    bf.allocate(
        session,
        department=a,
        host=world.host,
        start=bf.at(2026, 10, 1),
        memory_gib=0,
        storage_gib=0,
    )
    close_month(session, month=OCT, actor=bf.SYSTEM, now=NOW, reserved_rate=Decimal("0.30"))
    (inv,) = list_invoices(session, scope=Scope.everything(), department_id=a.id)
    (reserved,) = [ln for ln in inv.lines if ln.category is LineCategory.RESERVED]
    assert reserved.quantity_minutes == 96 * 744 * 60
    assert reserved.amount == Decimal("1499.90")
    (inv_b,) = list_invoices(session, scope=Scope.everything(), department_id=b.id)
    assert [ln.category for ln in inv_b.lines] == [LineCategory.RESERVED]


def test_reserved_charges_are_not_mistaken_for_late_usage(session: Session) -> None:
    """Catches next month's close "correcting" the reserved-quota line as if usage had shrunk."""
    world = bf.scene(session, departments=1)
    (a,) = world.departments
    factories.quota(session, dept=a, limit=50)
    bf.allocate(session, department=a, host=world.host, start=bf.at(2026, 9, 1))
    rate = Decimal("0.30")
    close_month(session, month=dt.date(2026, 9, 1), actor=bf.SYSTEM, now=NOW, reserved_rate=rate)
    summary = close_month(session, month=OCT, actor=bf.SYSTEM, now=NOW, reserved_rate=rate)
    assert summary["adjustment_lines"] == 0
