"""The paramiko adapter: the only module that imports paramiko.

Typed in, typed out: :func:`run_script` connects with host-key checking against the keys govcloud
holds for the host (unknown or different keys are refused), runs one shell script and returns its
output, or raises :class:`SshFailure` naming what went wrong.  Keys are parsed in memory; nothing
is written to disk and nothing secret is logged.
"""

from __future__ import annotations

import base64
import hashlib
import io
import time
from dataclasses import dataclass

import paramiko

from infra.discovery.enums import Reachability

_KEY_CLASSES: tuple[type[paramiko.PKey], ...] = (
    paramiko.Ed25519Key,
    paramiko.ECDSAKey,
    paramiko.RSAKey,
)


@dataclass(frozen=True)
class SshFailure(Exception):
    reachability: Reachability
    reason: str
    offered_key: tuple[str, str] | None = None

    def __str__(self) -> str:
        return self.reason


@dataclass(frozen=True)
class ScriptOutput:
    exit_status: int
    stdout: str
    stderr: str


def load_private_key(text: str) -> paramiko.PKey:
    """Parse an OpenSSH/PEM private key (ed25519, ECDSA or RSA); ValueError if it is none."""
    for cls in _KEY_CLASSES:
        try:
            return cls.from_private_key(io.StringIO(text))
        except (paramiko.SSHException, ValueError, IndexError):
            continue
    raise ValueError("not an unencrypted ed25519, ECDSA or RSA private key")


def public_fingerprint(text: str) -> str:
    """``SHA256:…`` of the private key's public half (what ssh-keygen -l prints)."""
    key = load_private_key(text)
    return fingerprint(key.get_name(), key.get_base64())


def fingerprint(key_type: str, key_b64: str) -> str:
    digest = hashlib.sha256(base64.b64decode(key_b64)).digest()
    return "SHA256:" + base64.b64encode(digest).decode().rstrip("=")


def _known_name(address: str, port: int) -> str:
    return address if port == 22 else f"[{address}]:{port}"


class _Refuse(paramiko.MissingHostKeyPolicy):
    def missing_host_key(
        self, client: paramiko.SSHClient, hostname: str, key: paramiko.PKey
    ) -> None:
        raise SshFailure(
            Reachability.HOST_KEY_UNKNOWN,
            f"govcloud holds no host key for {hostname} (it offered {key.get_name()} "
            f"{fingerprint(key.get_name(), key.get_base64())}); refused",
            (key.get_name(), key.get_base64()),
        )


class _AcceptNew(paramiko.MissingHostKeyPolicy):
    """accept-new: a host govcloud has no key for is trusted once; a changed key still is not."""

    def missing_host_key(
        self, client: paramiko.SSHClient, hostname: str, key: paramiko.PKey
    ) -> None:
        return None


def run_script(
    *,
    address: str,
    port: int,
    username: str,
    private_key: str,
    known_keys: list[tuple[str, str]],
    script: str,
    timeout_s: float,
    accept_new: bool = False,
) -> tuple[ScriptOutput, tuple[str, str]]:
    """Run ``script`` with ``sh`` on the host; returns its output and the host's key."""
    deadline = time.monotonic() + timeout_s
    client = paramiko.SSHClient()
    name = _known_name(address, port)
    for key_type, key_b64 in known_keys:
        client.get_host_keys().add(
            name, key_type, paramiko.PKey.from_type_string(key_type, base64.b64decode(key_b64))
        )
    client.set_missing_host_key_policy(_AcceptNew() if accept_new else _Refuse())
    try:
        pkey = load_private_key(private_key)
    except ValueError as exc:
        raise SshFailure(Reachability.AUTH_FAILED, f"credential: {exc}") from None
    try:
        client.connect(
            address,
            port=port,
            username=username,
            pkey=pkey,
            timeout=timeout_s,
            banner_timeout=timeout_s,
            auth_timeout=timeout_s,
            allow_agent=False,
            look_for_keys=False,
        )
        transport = client.get_transport()
        assert transport is not None
        host_key = transport.get_remote_server_key()
        offered = (host_key.get_name(), host_key.get_base64())
        channel = transport.open_session(timeout=max(1.0, deadline - time.monotonic()))
        channel.settimeout(max(1.0, deadline - time.monotonic()))
        channel.exec_command("/bin/sh -s")
        channel.sendall(script.encode())
        channel.shutdown_write()
        out, err = bytearray(), bytearray()
        while True:
            if time.monotonic() > deadline:
                raise SshFailure(Reachability.UNREACHABLE, f"timed out after {timeout_s} s")
            chunk = channel.recv(65536)
            if not chunk:
                break
            out += chunk
        while channel.recv_stderr_ready():
            err += channel.recv_stderr(65536)
        status = channel.recv_exit_status()
        return ScriptOutput(
            status, out.decode(errors="replace"), err.decode(errors="replace")
        ), offered
    except SshFailure:
        raise
    except paramiko.BadHostKeyException as exc:
        raise SshFailure(
            Reachability.HOST_KEY_MISMATCH,
            f"{name} offered {exc.key.get_name()} "
            f"{fingerprint(exc.key.get_name(), exc.key.get_base64())}, not the key govcloud "
            "holds; refused (possible man-in-the-middle)",
            (exc.key.get_name(), exc.key.get_base64()),
        ) from None
    except paramiko.AuthenticationException:
        raise SshFailure(Reachability.AUTH_FAILED, f"{username}@{name}: key refused") from None
    except TimeoutError:
        raise SshFailure(
            Reachability.UNREACHABLE, f"{name}: timed out after {timeout_s} s"
        ) from None
    except (OSError, paramiko.SSHException, EOFError) as exc:
        raise SshFailure(Reachability.UNREACHABLE, f"{name}: {type(exc).__name__}: {exc}") from None
    finally:
        client.close()
