"""Signed checkpoints: every so often the chain's head (seq, hash) is signed with the key in
:mod:`infra.audit.signing`, stored in ``audit_checkpoints`` and appended to an export file.

Someone with write access to the database can alter an entry and re-hash everything after it
so the chain looks whole; they cannot re-sign the checkpoints, so the first checkpoint past
the altered entry no longer matches the chain and names the range it is in.  A checkpoint is
due when an append crosses a multiple of ``checkpoint_every`` entries (which lets a verifier
tell that the newest ones were removed) or ``checkpoint_seconds`` after the last one.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from infra.audit import signing
from infra.audit.models import AuditCheckpoint
from infra.settings import get_settings


@dataclass(frozen=True)
class Signed:
    """One checkpoint as signed, stored and exported."""

    number: int
    seq: int
    hash: str
    at: dt.datetime
    key_id: str
    signature: str

    def to_json(self) -> str:
        return json.dumps(
            asdict(self) | {"at": self.at.astimezone(dt.UTC).isoformat()}, sort_keys=True
        )

    @classmethod
    def from_json(cls, line: str) -> Signed:
        data = json.loads(line)
        return cls(
            number=int(data["number"]),
            seq=int(data["seq"]),
            hash=str(data["hash"]),
            at=dt.datetime.fromisoformat(data["at"]),
            key_id=str(data["key_id"]),
            signature=str(data["signature"]),
        )

    @classmethod
    def from_row(cls, row: AuditCheckpoint) -> Signed:
        return cls(row.number, row.seq, row.hash, row.at, row.key_id, row.signature)


def payload(number: int, seq: int, hash_: str, at: dt.datetime) -> bytes:
    """The exact bytes a checkpoint's signature covers."""
    content = {"number": number, "seq": seq, "hash": hash_, "at": at.astimezone(dt.UTC).isoformat()}
    return json.dumps(content, sort_keys=True, separators=(",", ":")).encode("ascii")


def make(number: int, seq: int, hash_: str, at: dt.datetime) -> Signed:
    key = signing.signing_key()
    return Signed(
        number=number,
        seq=seq,
        hash=hash_,
        at=at,
        key_id=signing.key_id(key.public_key()),
        signature=signing.sign(key, payload(number, seq, hash_, at)),
    )


def sign_if_due(
    session: Session, head: Any, *, seq: int, hash_: str, now: dt.datetime
) -> Signed | None:
    """Sign and store a checkpoint of the new head if one is due (called under the head lock)."""
    settings = get_settings().audit
    crossed = seq // settings.checkpoint_every > head.checkpoint_seq // settings.checkpoint_every
    last = head.checkpoint_at
    stale = last is None or (now - last).total_seconds() >= settings.checkpoint_seconds
    if not (crossed or stale):
        return None
    return store(session, make(head.checkpoint_number + 1, seq, hash_, now))


def store(session: Session, signed: Signed) -> Signed:
    session.execute(insert(AuditCheckpoint), [asdict(signed)])
    return signed


def export(signed: Iterable[Signed], path: str | None = None) -> None:
    """Append checkpoints to the export file, one JSON line each (one ``write`` per line, so
    several processes appending at once do not interleave)."""
    target = get_settings().audit.checkpoint_export if path is None else path
    if not target:
        return
    Path(target).parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o640)
    try:
        for one in signed:
            os.write(fd, (one.to_json() + "\n").encode("ascii"))
    finally:
        os.close(fd)


def stored(session: Session) -> list[Signed]:
    rows = session.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.number))
    return [Signed.from_row(r) for r in rows]


def exported(path: str | None = None) -> list[Signed]:
    """The export file's checkpoints (none if there is no file)."""
    target = get_settings().audit.checkpoint_export if path is None else path
    if not target or not Path(target).exists():
        return []
    with open(target, encoding="ascii") as lines:
        return [Signed.from_json(line) for line in lines if line.strip()]
