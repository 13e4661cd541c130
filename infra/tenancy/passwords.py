"""Argon2id password hashing (cost from settings, so tests can run it cheaply)."""

from __future__ import annotations

from functools import lru_cache
from importlib.resources import files

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from infra.errors import AT_LEAST_CHARS, AT_MOST_CHARS, FieldProblem, says
from infra.labels import N_
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


# -- the password policy -------------------------------------------------------------------

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 256


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """Passwords too common to allow (``common_passwords.txt``, shipped with the package)."""
    text = files("infra.tenancy").joinpath("common_passwords.txt").read_text("utf-8")
    return frozenset(
        line.strip().lower() for line in text.splitlines() if line.strip() and line[0] != "#"
    )


PASSWORD_HAS_USERNAME = says(
    "password_has_username", N_("A password must not contain the username.")
)
PASSWORD_COMMON = says("password_common", N_("This password is well known: choose another."))
PASSWORD_FEW_CHARACTERS = says(
    "password_few_characters", N_("This password uses too few different characters.")
)


def password_refusal(password: str, *, username: str | None = None) -> FieldProblem | None:
    """Why ``password`` may not be used, or None: at least 12 characters, not the username
    (nor containing it), not a well-known password."""

    def refused(message: str, code: str, **params: object) -> FieldProblem:
        return FieldProblem("password", message, code, params)

    if len(password) < MIN_PASSWORD_LENGTH:
        count = MIN_PASSWORD_LENGTH
        return refused(f"at least {count} characters", AT_LEAST_CHARS, count=count)
    if len(password) > MAX_PASSWORD_LENGTH:
        count = MAX_PASSWORD_LENGTH
        return refused(f"at most {count} characters", AT_MOST_CHARS, count=count)
    lowered = password.lower()
    if username and username.lower() in lowered:
        return refused("must not contain the username", PASSWORD_HAS_USERNAME)
    if lowered in common_passwords() or lowered.rstrip("0123456789!.") in common_passwords():
        return refused("is a well-known password: choose another", PASSWORD_COMMON)
    if len(set(password)) < 4:
        return refused("uses too few different characters", PASSWORD_FEW_CHARACTERS)
    return None


def password_problem(password: str, *, username: str | None = None) -> str | None:
    """:func:`password_refusal`'s English message, or None."""
    refusal = password_refusal(password, username=username)
    return refusal.message if refusal else None
