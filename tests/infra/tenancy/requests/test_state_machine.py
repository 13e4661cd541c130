"""The request state machine: every (state, action) pair, allowed or refused, and the audit
entry each allowed move leaves."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from infra.audit.models import AuditEntry
from infra.audit.service import pending_entries, verify_chain
from infra.errors import Conflict
from infra.tenancy.enums import Role
from infra.tenancy.requests.enums import TRANSITIONS, RequestAction, RequestState
from infra.tenancy.requests.service import ENTITY, transition
from tests import factories
from tests import request_factories as rf

EXPECTED = {
    ("draft", "submit"): "submitted",
    ("draft", "withdraw"): "withdrawn",
    ("submitted", "approve"): "approved",
    ("submitted", "reject"): "rejected",
    ("submitted", "withdraw"): "withdrawn",
    ("approved", "place"): "placed",
    ("approved", "withdraw"): "withdrawn",
    ("placed", "activate"): "active",
    ("placed", "release"): "released",
    ("active", "expire"): "expired",
    ("active", "release"): "released",
}


def test_the_table_is_the_documented_lifecycle() -> None:
    table = {
        (s.value, a.value): t.value for s, moves in TRANSITIONS.items() for a, t in moves.items()
    }
    assert table == EXPECTED
    terminal = {s.value for s in RequestState if s.is_terminal}
    assert terminal == {"rejected", "expired", "released", "withdrawn"}


def test_every_pair_is_allowed_or_refused_and_audited(session: Session) -> None:
    w = factories.world(session)
    rf.cloud(session)
    request = rf.request(session, w.users[Role.DEPARTMENT_USER])
    actor = factories.SYSTEM
    for state in RequestState:
        for action in RequestAction:
            request.state = state
            session.flush()
            audited = session.scalar(select(func.count()).select_from(AuditEntry)) or 0
            expected = EXPECTED.get((state.value, action.value))
            if expected is None:
                with pytest.raises(Conflict) as refused:
                    transition(session, request, action, actor=actor)
                assert f"is {state.value}: it cannot {action.value}" in refused.value.message
                assert request.state is state
                assert session.scalar(select(func.count()).select_from(AuditEntry)) == audited
                assert pending_entries(session) == []
                continue
            transition(session, request, action, actor=actor)
            assert request.state.value == expected
            assert len(pending_entries(session)) == 1
            session.commit()  # the entry joins the chain at commit
            entry = session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
            assert entry is not None
            assert entry.seq == audited + 1
            assert (entry.entity, entry.entity_id, entry.action) == (
                ENTITY,
                str(request.id),
                action.value,
            )
            assert entry.before is not None
            assert entry.after is not None
            assert (entry.before["state"], entry.after["state"]) == (state.value, expected)
            assert entry.department_id == request.department_id
            assert (request.closed_at is not None) == RequestState(expected).is_terminal
            request.closed_at = None
    session.commit()
    assert verify_chain(session).ok
