"""Assessment schemes: publish a version (versions are immutable), the current one, any one
by version, and its YAML; the default scheme is published on first use."""

from __future__ import annotations

import hashlib

from sqlalchemy import select
from sqlalchemy.orm import Session

from infra.audit.actor import Actor
from infra.audit.service import record
from infra.errors import InvalidInput, NotFound
from monitoring.assessment.models import AssessmentScheme
from monitoring.assessment.scheme import DEFAULT_SCHEME_PATH, Scheme, load_scheme


def publish_scheme(session: Session, *, text: str, actor: Actor) -> AssessmentScheme:
    """Store a new scheme version (validated first); a published version never changes."""
    scheme = load_scheme(text)
    if session.get(AssessmentScheme, scheme.version) is not None:
        raise InvalidInput.one("version", f"scheme version {scheme.version!r} is already published")
    row = AssessmentScheme(
        version=scheme.version,
        text=text,
        sha256=hashlib.sha256(text.encode()).hexdigest(),
        published_by=actor.username,
    )
    session.add(row)
    session.flush()
    record(
        session,
        actor=actor,
        action="publish",
        entity="assessment_scheme",
        entity_id=scheme.version,
        after={"version": scheme.version, "sha256": row.sha256},
    )
    return row


def current_scheme(session: Session, *, actor: Actor | None = None) -> Scheme:
    """The latest published scheme; the packaged default is published on first use."""
    row = session.scalars(
        select(AssessmentScheme).order_by(AssessmentScheme.published_at.desc()).limit(1)
    ).first()
    if row is None:
        row = publish_scheme(
            session,
            text=DEFAULT_SCHEME_PATH.read_text(encoding="utf-8"),
            actor=actor or Actor.system("assessment"),
        )
    return load_scheme(row.text)


def scheme_version(session: Session, version: str) -> Scheme:
    row = session.get(AssessmentScheme, version)
    if row is None:
        raise NotFound("assessment scheme", version)
    return load_scheme(row.text)


def scheme_yaml(session: Session, version: str) -> str:
    row = session.get(AssessmentScheme, version)
    if row is None:
        raise NotFound("assessment scheme", version)
    return row.text
