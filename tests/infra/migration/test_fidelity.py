"""A tree holding everything a file system can arrives exactly as it was, on real SSH hosts.

Mutation checks, tried on 2026-11-30 against a copy of the branch:

- ``--recursive`` in place of ``--archive --hard-links --acls --xattrs --sparse --devices
  --specials --numeric-ids --modify-window=-1`` in ``playbooks/copy_data.yml``: the first
  test fails at once — the migrate run ends FAILED at ``verify_data``, its error naming each
  entry and field (``.: mode differs (source "0755", destination "0750")``, ``config.ini:
  mtime_ns differs …``, and on through the odd tree).
- ``--sparse`` alone removed: the first test fails the same way with exactly one difference,
  ``odd/sparse.img: sparse differs (source true, destination false)``.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
from sqlalchemy.orm import Session

from infra.migration import runs
from infra.migration.ansible_adapter import PlaybookRequest, PlaybookResult
from infra.migration.enums import RunKind, RunStatus
from infra.migration.models import MigrationRun
from infra.migration.schemas import RunCreate
from tests.factories import EVERYTHING, SYSTEM
from tests.infra.migration.conftest import MigrationEnv, assert_nothing_left, stat_snapshot
from tests.infra.migration.trees import (
    NAMELESS_ID,
    ODD_GID,
    ODD_UID,
    SPARSE_SIZE,
    same_tree,
    sparse_file,
    tree,
)

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.fixture(autouse=True)
def _one_backend(backend_name: str) -> None:
    if backend_name != "sqlite":
        pytest.skip("exercises SSH hosts, rsync and Ansible; the control panel's DB plays no part")


def start(session: Session, env: MigrationEnv, **extra: Any) -> MigrationRun:
    data = RunCreate.model_validate(
        {
            "system_id": env.system.id,
            "source_id": env.source_target.id,
            "destination_id": env.destination_target.id,
            "data_dirs": [{"source": env.remote_source, "destination": env.remote_destination}],
        }
        | extra
    )
    run = runs.create_run(session, data=data, actor=SYSTEM, scope=EVERYTHING)
    run_id = run.id
    session.commit()  # the inline backend runs it to the end here
    session.expire_all()
    found = session.get(MigrationRun, run_id)
    assert found is not None
    return found


def test_everything_arrives_and_a_cut_over_repairs_every_kind_of_damage(
    session: Session, migration_env: MigrationEnv
) -> None:
    """Migrate, then damage the destination in every way a weaker copy would, then cut over:
    the final sync repairs it all and the tree is identical again.  Catches any rsync flag
    dropped from the copy (see the module's docstring) and any field the manifest skips."""
    env = migration_env  # its tree holds every odd entry (conftest.fill); add a sparse file
    sparse_file(env.source_dir)
    before, stats = tree(env.source_dir), stat_snapshot(env.source_dir)

    run = start(session, env)
    assert run.status is RunStatus.SUCCEEDED, run.error
    assert same_tree(env.source_dir, env.destination_dir) == []
    sparse = env.destination_dir / "odd" / "sparse.img"
    assert sparse.stat().st_size == SPARSE_SIZE
    assert sparse.stat().st_blocks * 512 < 1024 * 1024  # holes stayed holes
    (data,) = run.results["data"]
    assert data["entries"] == len(before)
    assert_nothing_left(session, env)

    odd = os.fsencode(env.destination_dir / "odd")
    os.removexattr(os.path.join(odd, b"\xff\xfe not utf-8"), b"user.govcloud")
    os.chmod(os.path.join(odd, b"--help"), 0o644)
    os.chown(os.path.join(odd, b"caf\xe9 latin-1.txt"), 0, 0)
    os.utime(os.path.join(odd, b"with  two spaces "), ns=(1, 1))
    hard = os.path.join(odd, b"hard\xfflink")
    os.unlink(hard)
    with open(os.path.join(odd, b"-leading-dash"), "rb") as original, open(hard, "wb") as copy:
        copy.write(original.read())  # the same bytes, but no longer the same inode
    os.unlink(os.path.join(odd, b"fifo"))
    os.rmdir(os.path.join(odd, b"empty dir"))
    os.unlink(os.path.join(odd, b"dangling-link"))
    assert len(same_tree(env.source_dir, env.destination_dir)) >= 7

    cut = start(session, env, kind=RunKind.CUTOVER)
    assert cut.status is RunStatus.SUCCEEDED, cut.error
    assert same_tree(env.source_dir, env.destination_dir) == []
    assert tree(env.source_dir) == before
    assert stat_snapshot(env.source_dir) == stats
    assert_nothing_left(session, env)


def test_verification_names_each_entry_and_what_differs(
    session: Session, migration_env: MigrationEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Damage made after the copy, before verification: the step fails and its error names
    the entry (a non-UTF-8 name, escaped) and the field.  Catches a manifest that drops a
    field, or a verification that only counts files."""
    env = migration_env
    real_run = runs.run_playbook  # type: ignore[attr-defined]

    def damaging(request: PlaybookRequest, **kwargs: Any) -> PlaybookResult:
        if request.playbook == "verify_data.yml":
            odd = os.fsencode(env.destination_dir / "odd")
            os.setxattr(os.path.join(odd, b"\xff\xfe not utf-8"), b"user.govcloud", b"other")
            os.chmod(os.path.join(odd, b"new\nline"), 0o600)
        return real_run(request, **kwargs)

    monkeypatch.setattr(runs, "run_playbook", damaging)
    run = start(session, env)
    assert run.status is RunStatus.FAILED
    error = run.error or ""
    assert "verify_data failed" in error
    assert "odd/\\xff\\xfe not utf-8: xattrs differs" in error, error
    assert "odd/new\\nline: mode differs" in error, error
    assert_nothing_left(session, env)


def test_owners_move_by_an_explicit_id_map(session: Session, migration_env: MigrationEnv) -> None:
    """Where the destination's users differ: owners and the users named in ACLs are mapped by
    id, every other id stays.  Catches owners mapped by name, or ACL entries left unmapped."""
    env = migration_env
    uid_map = {ODD_UID: ODD_UID + 100, NAMELESS_ID: NAMELESS_ID + 1}
    gid_map = {ODD_GID: ODD_GID + 100, NAMELESS_ID: NAMELESS_ID + 1}
    run = start(
        session,
        env,
        uid_map={str(k): v for k, v in uid_map.items()},
        gid_map={str(k): v for k, v in gid_map.items()},
    )
    assert run.status is RunStatus.SUCCEEDED, run.error
    moved = tree(env.destination_dir)
    odd = b"odd/"
    assert moved[odd + b"caf\xe9 latin-1.txt"]["uid"] == ODD_UID + 100
    assert moved[odd + b"caf\xe9 latin-1.txt"]["gid"] == ODD_GID + 100
    assert moved[odd + b"deep"]["uid"] == NAMELESS_ID + 1
    acl = moved[odd + b"-leading-dash"]["xattrs"]["system.posix_acl_access"]
    assert (ODD_UID + 100).to_bytes(4, "little") in acl
    assert ODD_UID.to_bytes(4, "little") not in acl
    assert moved[odd + b"--help"]["uid"] == 0  # not in the map: unchanged
    assert_nothing_left(session, env)
