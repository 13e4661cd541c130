"""The Ed25519 key that signs audit checkpoints, kept in a file outside the database.

Whoever can write the database can re-hash the whole chain; they cannot sign a checkpoint
without this file.  A verifier needs only the public key.
"""

from __future__ import annotations

import hashlib
import os
from functools import lru_cache
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from infra.settings import Settings, get_settings


class AuditKeyMissing(RuntimeError):
    """The signing (or verifying) key file does not exist and may not be generated here."""

    def __init__(self, path: Path, what: str = "audit signing key") -> None:
        super().__init__(
            f"{what} not found at {path}: create one with `govcloud audit keygen` "
            "(or set GOVCLOUD_AUDIT__KEY_PATH); demo mode generates it"
        )
        self.path = path


def generate_key(path: Path) -> Ed25519PrivateKey:
    """A new key written to ``path`` (mode 0600, never overwriting an existing file)."""
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(pem)
    return key


@lru_cache(maxsize=8)
def _read_private(path: Path) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path} is not an Ed25519 private key")
    return key


def signing_key(settings: Settings | None = None) -> Ed25519PrivateKey:
    """The configured private key; generated on first use in demo mode only."""
    settings = settings or get_settings()
    path = settings.audit.key_path
    if not path.exists():
        if not settings.demo:
            raise AuditKeyMissing(path)
        try:
            return generate_key(path)
        except FileExistsError:  # another process generated it just now
            pass
    return _read_private(path)


def public_key(settings: Settings | None = None) -> Ed25519PublicKey:
    """The key a verifier checks signatures with: the public key file, else the private key's."""
    settings = settings or get_settings()
    if settings.audit.public_key_path:
        path = Path(settings.audit.public_key_path)
        if not path.exists():
            raise AuditKeyMissing(path, "audit public key")
        key = serialization.load_pem_public_key(path.read_bytes())
        if not isinstance(key, Ed25519PublicKey):
            raise ValueError(f"{path} is not an Ed25519 public key")
        return key
    return signing_key(settings).public_key()


def public_pem(key: Ed25519PublicKey) -> str:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode("ascii")


def key_id(key: Ed25519PublicKey) -> str:
    """A short fingerprint naming the key a checkpoint was signed with."""
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def sign(key: Ed25519PrivateKey, payload: bytes) -> str:
    return key.sign(payload).hex()


def signature_holds(key: Ed25519PublicKey, payload: bytes, signature: str) -> bool:
    try:
        key.verify(bytes.fromhex(signature), payload)
    except (InvalidSignature, ValueError):
        return False
    return True
