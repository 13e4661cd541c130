"""The hash-chained audit log from the shell: verify, checkpoint, keys."""

from __future__ import annotations

import typer

from infra.database import session_scope
from infra.settings import get_settings
from portal_api.clikit import console, err, fail, settings_or_exit

audit_app = typer.Typer(help="The hash-chained audit log.", no_args_is_help=True)


def register(root: typer.Typer) -> None:
    root.add_typer(audit_app, name="audit")


@audit_app.command("verify")
def audit_verify() -> None:
    """Check the audit chain and its signed checkpoints; exit 1 naming what does not hold."""
    from infra.audit.service import verify_chain
    from infra.audit.signing import AuditKeyMissing

    settings_or_exit()
    try:
        with session_scope() as session:
            report = verify_chain(session)
    except AuditKeyMissing as exc:
        raise fail(str(exc), 2) from exc
    if not report.ok:
        for problem in report.problems[1:]:
            err.print(f"also: {problem}")
        raise fail(f"audit chain broken at entry {report.first_broken_seq}: {report.reason}")
    console.print(
        f"audit chain intact: {report.checked} entries verified, "
        f"{report.checkpoints} signed checkpoints"
    )


@audit_app.command("checkpoint")
def audit_checkpoint() -> None:
    """Sign a checkpoint of the chain's head now (if it moved since the last one)."""
    from infra.audit.service import sign_now
    from infra.audit.signing import AuditKeyMissing

    settings_or_exit()
    try:
        with session_scope() as session:
            signed = sign_now(session)
    except AuditKeyMissing as exc:
        raise fail(str(exc), 2) from exc
    if signed is None:
        console.print("no new entries since the last checkpoint")
    else:
        console.print(f"signed checkpoint {signed.number} at entry {signed.seq}")


@audit_app.command("keygen")
def audit_keygen() -> None:
    """Create the Ed25519 key that signs checkpoints (GOVCLOUD_AUDIT__KEY_PATH, mode 0600)."""
    from infra.audit import signing

    settings_or_exit()
    path = get_settings().audit.key_path
    if path.exists():
        raise fail(f"{path} exists: refusing to replace the audit signing key")
    key = signing.generate_key(path)
    console.print(f"audit signing key written to {path} (key {signing.key_id(key.public_key())})")
    print(signing.public_pem(key.public_key()), end="")


@audit_app.command("public-key")
def audit_public_key() -> None:
    """Print the public key a verifier needs (PEM)."""
    from infra.audit import signing

    settings_or_exit()
    try:
        print(signing.public_pem(signing.public_key()), end="")
    except signing.AuditKeyMissing as exc:
        raise fail(str(exc), 2) from exc
