"""Argon2id password hashing (cost from settings, so tests can run it cheaply)."""

from __future__ import annotations

from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from infra.settings import get_settings


@lru_cache(maxsize=1)
def _hasher() -> PasswordHasher:
    security = get_settings().security
    return PasswordHasher(
        time_cost=security.argon2_time_cost, memory_cost=security.argon2_memory_kib
    )


def hash_password(password: str) -> str:
    return str(_hasher().hash(password))


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return bool(_hasher().verify(password_hash, password))
    except (VerificationError, InvalidHashError):
        return False


# Verifying against this when the user does not exist keeps login timing uniform.
@lru_cache(maxsize=1)
def dummy_hash() -> str:
    return hash_password("not-a-real-password")


def reset_hasher() -> None:
    _hasher.cache_clear()
    dummy_hash.cache_clear()
