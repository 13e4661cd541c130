"""The agent's on-disk queue of sealed batches, oldest first, bounded in batches and bytes.

Every sealed batch is written here before it is sent (write to a temporary name, then
rename: a crash leaves either the whole file or none), so a panel outage or an agent restart
loses nothing until the bounds are reached.  Then the *oldest* batches are dropped — recent
data is worth more — and the drops are added to running totals kept in ``state.json``; every
batch carries the totals as they stood when it was sealed, so the panel learns of a drop from
the next batch it receives.  A file's name holds its sequence number and sample count, so
the queue is rebuilt from a directory listing and a drop is counted without reading the file.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Spooled:
    path: Path
    seq: int
    samples: int
    size: int


@dataclass
class SpoolState:
    next_seq: int = 1
    dropped_batches_total: int = 0
    dropped_samples_total: int = 0


class Spool:
    def __init__(self, directory: Path, *, max_batches: int, max_bytes: int) -> None:
        if max_batches < 1 or max_bytes < 1:
            raise ValueError("a spool holds at least one batch and one byte")
        self.directory = directory
        self.max_batches = max_batches
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        self._in_flight: Path | None = None
        directory.mkdir(parents=True, exist_ok=True)
        for leftover in directory.glob("*.tmp"):
            leftover.unlink()
        self.state = self._load_state()
        self._queue = sorted(
            (self._entry(path) for path in directory.glob("*.batch.json")), key=lambda e: e.seq
        )
        if self._queue:
            self.state.next_seq = max(self.state.next_seq, self._queue[-1].seq + 1)

    # -- state ------------------------------------------------------------------------------

    def _load_state(self) -> SpoolState:
        try:
            raw = json.loads((self.directory / "state.json").read_text())
        except (FileNotFoundError, ValueError):
            return SpoolState()
        return SpoolState(**{k: int(raw.get(k, 0)) for k in SpoolState.__dataclass_fields__})

    def _save_state(self) -> None:
        self._atomic_write(self.directory / "state.json", json.dumps(self.state.__dict__).encode())

    @staticmethod
    def _atomic_write(path: Path, data: bytes) -> None:
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_bytes(data)
        os.replace(tmp, path)

    @staticmethod
    def _entry(path: Path) -> Spooled:
        seq, samples, _rest = path.name.split("-", 2)
        return Spooled(path, int(seq), int(samples), path.stat().st_size)

    # -- queue ------------------------------------------------------------------------------

    def seal(self, build: Any) -> dict[str, Any]:
        """Number a new batch, let ``build(seq, state)`` make it, and queue it on disk."""
        with self._lock:
            seq = self.state.next_seq
            self.state.next_seq += 1
            batch: dict[str, Any] = build(seq, self.state)
            data = json.dumps(batch, separators=(",", ":")).encode()
            path = self.directory / f"{seq:016d}-{len(batch['samples'])}-{batch['batch_id']}"
            path = path.with_name(path.name + ".batch.json")
            self._atomic_write(path, data)
            self._queue.append(Spooled(path, seq, len(batch["samples"]), len(data)))
            self._enforce_bounds()
            self._save_state()
            return batch

    def _enforce_bounds(self) -> None:
        while len(self._queue) > self.max_batches or self.bytes > self.max_bytes:
            victim = next((e for e in self._queue if e.path != self._in_flight), None)
            if victim is None or len(self._queue) == 1:  # keep the newest batch whatever it weighs
                break
            self._queue.remove(victim)
            victim.path.unlink(missing_ok=True)
            self.state.dropped_batches_total += 1
            self.state.dropped_samples_total += victim.samples

    def head(self) -> tuple[Spooled, bytes] | None:
        """The oldest queued batch (marked in flight, so overflow will not drop it)."""
        with self._lock:
            if not self._queue:
                return None
            entry = self._queue[0]
            self._in_flight = entry.path
            return entry, entry.path.read_bytes()

    def done(self, entry: Spooled) -> None:
        """The panel has the batch (stored now or before): forget it."""
        with self._lock:
            self._in_flight = None
            if entry in self._queue:
                self._queue.remove(entry)
            entry.path.unlink(missing_ok=True)

    def release(self) -> None:
        with self._lock:
            self._in_flight = None

    @property
    def batches(self) -> int:
        return len(self._queue)

    @property
    def bytes(self) -> int:
        return sum(e.size for e in self._queue)
