"""Verify the audit chain and its signed checkpoints; name the first thing that does not hold.

The walk re-computes every hash from the start (an altered, removed or reordered entry breaks
its own hash or the next link).  Then every checkpoint — from the table and from the export
file — must carry a valid signature by the verifier's public key, be numbered without gaps,
and match the re-computed hash at its seq; and the newest entries must be covered by a
checkpoint, since one is signed whenever the chain crosses a multiple of ``checkpoint_every``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from infra.audit import checkpoints, signing
from infra.audit.hashing import GENESIS_HASH, entry_hash
from infra.audit.models import AuditEntry, AuditHead
from infra.settings import get_settings

HEAD_ID = 1


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    checked: int
    first_broken_seq: int | None = None
    reason: str | None = None
    checkpoints: int = 0
    problems: tuple[str, ...] = field(default=())


def iter_entries(session: Session, *, batch: int = 1000) -> Iterator[AuditEntry]:
    last = 0
    while True:
        rows = session.scalars(
            select(AuditEntry).where(AuditEntry.seq > last).order_by(AuditEntry.seq).limit(batch)
        ).all()
        if not rows:
            return
        yield from rows
        last = rows[-1].seq
        session.expunge_all()


def _walk(session: Session, wanted: set[int]) -> tuple[ChainReport | None, int, dict[int, str]]:
    """(a broken-link report or None, entries checked, the re-computed hash at each wanted seq)."""
    prev_hash, expected_seq, checked = GENESIS_HASH, 1, 0
    at: dict[int, str] = {}
    for entry in iter_entries(session):
        if entry.seq != expected_seq:
            return (
                ChainReport(False, checked, expected_seq, f"entry {expected_seq} is missing"),
                0,
                at,
            )
        if entry.prev_hash != prev_hash:
            reason = f"entry {entry.seq} does not follow entry {entry.seq - 1}"
            return ChainReport(False, checked, entry.seq, reason), 0, at
        if entry_hash(prev_hash, entry) != entry.hash:
            reason = f"entry {entry.seq} was altered: its hash does not match"
            return ChainReport(False, checked, entry.seq, reason), 0, at
        prev_hash, expected_seq, checked = entry.hash, expected_seq + 1, checked + 1
        if entry.seq in wanted:
            at[entry.seq] = entry.hash
    head = session.get(AuditHead, HEAD_ID)
    if head is None and checked:
        reason = f"the chain's head record is missing after {checked}"
        return ChainReport(False, checked, checked + 1, reason), checked, at
    if head is not None and (head.seq, head.hash) != (checked, prev_hash):
        reason = f"entries after {checked} are missing (head is {head.seq})"
        return ChainReport(False, checked, checked + 1, reason), checked, at
    return None, checked, at


def _altered(number: int, seq: int, since: int) -> tuple[int, str]:
    first = since + 1
    where = f"entry {first}" if first == seq else f"one of entries {first}–{seq}"
    return first, (
        f"{where} was altered and the chain re-hashed: checkpoint {number} (signed at entry "
        f"{seq}) does not match the chain there"
    )


def _check_checkpoints(
    signed: list[checkpoints.Signed],
    key: Ed25519PublicKey,
    hashes: dict[int, str],
    checked: int,
) -> list[tuple[int | None, str]]:
    problems: list[tuple[int | None, str]] = []
    good_seq, expected, mismatched = 0, 1, 0
    for cp in signed:
        if cp.number != expected:
            gap = f"{expected}" if cp.number == expected + 1 else f"{expected}–{cp.number - 1}"
            problems.append((None, f"checkpoint {gap} is missing"))
        expected = cp.number + 1
        body = checkpoints.payload(cp.number, cp.seq, cp.hash, cp.at)
        if not signing.signature_holds(key, body, cp.signature):
            problems.append(
                (
                    None,
                    f"checkpoint {cp.number} is forged: its signature does not "
                    f"verify with key {signing.key_id(key)}",
                )
            )
            continue
        if cp.seq > checked:
            problems.append(
                (
                    checked + 1,
                    f"entries {checked + 1}–{cp.seq} are missing: "
                    f"checkpoint {cp.number} was signed at entry {cp.seq}",
                )
            )
        elif hashes.get(cp.seq) != cp.hash:
            if not mismatched:  # the later ones follow from the first: name the first
                problems.append(_altered(cp.number, cp.seq, good_seq))
            mismatched += 1
        else:
            good_seq = cp.seq
    if mismatched > 1:
        problems.append((None, f"{mismatched - 1} later checkpoints do not match the chain either"))
    every = get_settings().audit.checkpoint_every
    due = checked // every * every
    last = max((cp.seq for cp in signed), default=0)
    if due and last < due:
        problems.append(
            (
                None,
                f"a checkpoint is missing: none covers entry {due} (one is "
                f"signed every {every} entries; the last covers {last})",
            )
        )
    return problems


def _merged(session: Session) -> tuple[list[checkpoints.Signed], list[str]]:
    """The table's checkpoints, with any the export file has and the table lacks."""
    table = {cp.number: cp for cp in checkpoints.stored(session)}
    problems = []
    for cp in checkpoints.exported():
        mine = table.get(cp.number)
        if mine is None:
            problems.append(
                f"checkpoint {cp.number} is missing from the database (the export file has it)"
            )
            table[cp.number] = cp
        elif mine != cp:
            problems.append(f"checkpoint {cp.number} in the database differs from the export file")
    return [table[n] for n in sorted(table)], problems


def verify_chain(session: Session, *, public_key: Ed25519PublicKey | None = None) -> ChainReport:
    """Walk the chain and check its checkpoints; ``ok`` only if everything holds."""
    key = public_key or signing.public_key()
    signed, export_problems = _merged(session)
    broken, checked, hashes = _walk(session, {cp.seq for cp in signed})
    if broken is not None:
        return replace(broken, problems=(broken.reason or "",))
    found = _check_checkpoints(signed, key, hashes, checked)
    problems = [*(p for _, p in found), *export_problems]
    if not problems:
        return ChainReport(True, checked, checkpoints=len(signed))
    located = sorted((s, p) for s, p in found if s is not None)
    first, reason = located[0] if located else (None, problems[0])
    return ChainReport(False, checked, first, reason, len(signed), tuple(problems))


def count_entries(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(AuditEntry)) or 0
