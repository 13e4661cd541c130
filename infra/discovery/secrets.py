"""SSH keys at rest: Fernet (AES-128-CBC + HMAC-SHA256) under a key derived from the secret."""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from infra.errors import GovcloudError
from infra.settings import get_settings

_INFO = b"govcloud/discovery/ssh-credentials/v1"


def _fernet(secret: str | None = None) -> Fernet:
    material = secret if secret is not None else get_settings().secret_key.get_secret_value()
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(
        material.encode()
    )
    return Fernet(base64.urlsafe_b64encode(key))


def seal(plaintext: str, *, secret: str | None = None) -> str:
    """Encrypt a private key for storage."""
    return _fernet(secret).encrypt(plaintext.encode()).decode()


def unseal(token: str, *, secret: str | None = None) -> str:
    """Decrypt a stored private key; a changed secret key is said plainly."""
    try:
        return _fernet(secret).decrypt(token.encode()).decode()
    except InvalidToken:
        raise GovcloudError(
            "a stored SSH credential cannot be decrypted: GOVCLOUD_SECRET_KEY changed since it "
            "was saved; enter the credential again"
        ) from None
