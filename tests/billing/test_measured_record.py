"""A closed month's measured usage outlives monitoring's roll-ups: the month-end close records
it, later closes re-rate from that record, and late samples count only where monitoring still
holds the data (``billing/invoices/measured.py``).

Retention is applied as monitoring's schedule applies it (``rollups.apply_retention``), at the
same ``now`` the close is run with."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from billing.costs.service import cost_report
from billing.invoices.enums import LineCategory
from billing.invoices.flows import close_month
from billing.invoices.models import Invoice
from billing.invoices.service import list_invoices, month_bounds
from billing.metering.models import MeasuredUsage
from infra.inventory.enums import NetworkZone
from infra.settings import get_settings
from infra.tenancy.scope import Scope
from monitoring.metrics import rollups
from monitoring.metrics.models import MetricRollup
from tests.billing import factories as bf
from tests.billing.test_traffic import minutes, push

SEPT, OCT, NOV = dt.date(2026, 9, 1), dt.date(2026, 10, 1), dt.date(2026, 11, 1)
PER_MINUTE = 12e6 / 8 * 60  # 12 Mbit/s


def _after(month: dt.date) -> dt.datetime:
    return month_bounds(month)[1] + dt.timedelta(hours=1)


def _ms(at: dt.datetime) -> int:
    return int(at.timestamp() * 1000)


def _hour_of_traffic(session: Session, host_id: int, start: dt.datetime, rate: float) -> None:
    push(session, host_id, [(start + minutes(k), k * rate) for k in range(61)])


def _expire(session: Session, now: dt.datetime) -> None:
    """Delete what monitoring keeps no longer at ``now``, as its hourly schedule does."""
    rollups.apply_retention(session, now_ms=_ms(now), settings=get_settings().monitoring)
    session.commit()


def _adjustments(session: Session, month: dt.date) -> dict[tuple[str, dt.date], Decimal]:
    """Adjustment amounts on ``month``'s invoices, by service and the month they correct."""
    out: dict[tuple[str, dt.date], Decimal] = {}
    for invoice in list_invoices(session, scope=Scope.everything(), month=month):
        for line in invoice.lines:
            if line.category is LineCategory.ADJUSTMENT:
                key = (line.service, line.usage_month)
                out[key] = out.get(key, Decimal(0)) + line.amount
    return out


def _measured_scene(session: Session) -> int:
    world = bf.scene(session, departments=1)
    bf.allocate(
        session, department=world.departments[0], host=world.host, start=bf.at(2026, 9, 1),
        bandwidth_mbps=50, zone=NetworkZone.INTERNET,
    )  # fmt: skip
    return world.host.id


def test_expired_rollups_do_not_credit_a_closed_month(session: Session) -> None:
    """Close September with measured traffic, let monitoring expire it, close October late:
    catches a re-rating that reads the expired roll-ups as zero usage and credits September's
    egress and 月95 bandwidth (the behaviour before the record); and a cost report for
    September that loses its measured charges once the roll-ups are gone."""
    host = _measured_scene(session)
    _hour_of_traffic(session, host, bf.at(2026, 9, 10, 10), PER_MINUTE)
    close_month(session, month=SEPT, actor=bf.SYSTEM, now=_after(SEPT))
    session.commit()
    recorded = {r.service for r in session.scalars(select(MeasuredUsage))}
    assert recorded == {"egress", "bandwidth"}
    (sept_cost,) = cost_report(session, months=[SEPT], scope=Scope.everything(), now=_after(SEPT))

    late = bf.at(2027, 1, 5)  # September's minute roll-ups are past 90 days
    _expire(session, late)
    assert session.scalar(select(MetricRollup.series_id).limit(1)) is None
    close_month(session, month=OCT, actor=bf.SYSTEM, now=late)
    session.commit()
    assert _adjustments(session, OCT) == {}
    (after,) = cost_report(session, months=[SEPT], scope=Scope.everything(), now=late)
    assert after.charged_by_department == sept_cost.charged_by_department
    assert sept_cost.recovered > 0


def test_late_samples_count_only_where_monitoring_holds_the_data(session: Session) -> None:
    """A late sample within retention becomes an adjustment at the next close; one on a day
    monitoring still holds adds egress but leaves 月95 (a whole-month percentile) to the
    record once part of the month has expired; an adjusted sample is not reversed when its
    roll-ups expire.  Catches late samples ignored, the record never revised, and re-rating
    partly expired months from monitoring."""
    host = _measured_scene(session)
    _hour_of_traffic(session, host, bf.at(2026, 9, 10, 10), PER_MINUTE)
    close_month(session, month=SEPT, actor=bf.SYSTEM, now=_after(SEPT))
    session.commit()

    # A late push for 20 September, well within retention: adjusted when October closes.
    _hour_of_traffic(session, host, bf.at(2026, 9, 20, 10), PER_MINUTE)
    close_month(session, month=OCT, actor=bf.SYSTEM, now=_after(OCT))
    session.commit()
    october = _adjustments(session, OCT)
    assert october[("egress", SEPT)] > 0
    assert ("bandwidth", SEPT) not in october  # the same 12 Mbit/s: 月95 unchanged

    # Another late push, for 29 September, at twice the rate; November closes on 26 December,
    # when monitoring holds 27 September onwards only.
    _hour_of_traffic(session, host, bf.at(2026, 9, 29, 10), 2 * PER_MINUTE)
    late = bf.at(2026, 12, 26)
    _expire(session, late)
    close_month(session, month=NOV, actor=bf.SYSTEM, now=late)
    session.commit()
    november = _adjustments(session, NOV)
    # 29 September's egress (twice an hour at 12 Mbit/s) is added; nothing is reversed for
    # the expired 10 and 20 September (within a fen: each re-rating rounds its total once);
    # the 月95 stays as recorded.
    assert abs(november[("egress", SEPT)] - 2 * october[("egress", SEPT)]) <= Decimal("0.01")
    assert ("bandwidth", SEPT) not in november
    invoices = session.scalars(select(Invoice).where(Invoice.month == NOV)).all()
    assert all(line.amount > 0 for i in invoices for line in i.lines)


def test_a_month_closed_before_the_record_is_left_as_invoiced_once_expired(
    session: Session,
) -> None:
    """A month closed before billing kept the record (no ``measured_recorded_at``): while
    monitoring holds it wholly it is re-measured and recorded; once partly expired its
    measured services are left as invoiced.  Catches such a month credited in full."""
    from billing.invoices.service import get_period

    host = _measured_scene(session)
    _hour_of_traffic(session, host, bf.at(2026, 9, 10, 10), PER_MINUTE)
    close_month(session, month=SEPT, actor=bf.SYSTEM, now=_after(SEPT))
    period = get_period(session, SEPT)
    assert period is not None
    period.measured_recorded_at = None  # as closed before this revision
    session.query(MeasuredUsage).delete()
    session.commit()

    late = bf.at(2027, 1, 5)
    _expire(session, late)
    close_month(session, month=OCT, actor=bf.SYSTEM, now=late)
    session.commit()
    assert _adjustments(session, OCT) == {}
    assert session.scalars(select(MeasuredUsage)).all() == []  # nothing to record it from
