"""Real sshd test hosts, each in a network namespace of its own (loopback fallback).

Topology (namespaces): one bridge ``<prefix>br`` in the root namespace holding 10.200.N.1/24;
per host a namespace ``<prefix>hK`` whose ``eth0`` (10.200.N.(10+K)) is one end of a veth pair,
the other end ``<prefix>vK`` enslaved to the bridge.  Each sshd runs under ``unshare --uts
--mount`` so the host has its own hostname and its own ``/srv`` (a bind mount of a directory
the fixture owns).  Host keys are fresh ed25519 keys recorded in a known_hosts file owned by
the run; the client key is one fresh ed25519 key authorised on every host.

Where namespaces cannot be made (no CAP_NET_ADMIN), each sshd listens on its own loopback
address 127.0.0.(20+K):2222+… instead; ``remote_srv`` then is the host's directory itself.

The prefix is random per run and N is chosen so no interface on this machine already has an
address in 10.200.N.0/24, so parallel runs by others never collide.  No traffic leaves for any
address but these hosts and 127.0.0.0/8.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

SSHD = "/usr/sbin/sshd"


def _run(*argv: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, check=check, capture_output=True, text=True, timeout=30)


def available() -> str | None:
    """Why SSH test hosts cannot run here (None when they can)."""
    for tool in (SSHD, "/usr/bin/ssh-keygen", "/usr/bin/rsync"):
        if not Path(tool).exists():
            return f"{tool} is missing (apt-get install openssh-server openssh-client rsync)"
    return None


def _can_make_namespaces() -> bool:
    if os.geteuid() != 0 or shutil.which("ip") is None or shutil.which("unshare") is None:
        return False
    probe = f"gp{secrets.token_hex(3)}"
    made = _run("ip", "netns", "add", probe, check=False).returncode == 0
    if made:
        _run("ip", "netns", "del", probe, check=False)
    return made


def _free_subnet() -> int:
    used = _run("ip", "-o", "-4", "addr", "show", check=False).stdout
    routes = _run("ip", "-4", "route", "show", check=False).stdout
    candidates = list(range(100, 250))
    secrets.SystemRandom().shuffle(candidates)
    for n in candidates:
        if f"10.200.{n}." not in used and f"10.200.{n}." not in routes:
            return n
    raise RuntimeError("no free 10.200.N.0/24 subnet for SSH test hosts")


@dataclass
class SshHost:
    name: str  # the hostname the host reports
    address: str
    port: int
    root: Path  # the fixture's directory for this host
    srv: Path  # what the host sees as its /srv (on the controller's filesystem)
    remote_srv: str  # the same directory as the host sees it
    namespace: str | None = None
    veth: str | None = None
    host_key_pub: str = ""
    sshd: subprocess.Popen[bytes] | None = None
    gateway: str | None = None  # the controller's address on the bridge (namespaces only)

    @property
    def expected_hostname(self) -> str:
        """What ``hostname`` says on this host (loopback hosts share the machine's)."""
        return self.name if self.namespace else socket.gethostname()

    @property
    def target(self) -> str:
        return f"{self.address}:{self.port}"

    def exec_argv(self, argv: Sequence[str]) -> list[str]:
        """``argv`` run inside this host (its network, hostname and /srv)."""
        if self.namespace and self.sshd is not None:
            return ["nsenter", "-t", str(self.sshd.pid), "-n", "-m", "-u", "--", *argv]
        return list(argv)

    def spawn(self, argv: Sequence[str]) -> subprocess.Popen[bytes]:
        """Start a background process inside this host (stopped at teardown)."""
        return subprocess.Popen(
            self.exec_argv(argv),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )

    def run(self, argv: Sequence[str]) -> str:
        return _run(*self.exec_argv(argv)).stdout

    def cut_link(self) -> None:
        """Take the host's link down (the namespace's veth); loopback hosts: stop sshd."""
        if self.veth:
            _run("ip", "link", "set", self.veth, "down")
        elif self.sshd is not None:
            self.sshd.send_signal(signal.SIGSTOP)

    def restore_link(self) -> None:
        if self.veth:
            _run("ip", "link", "set", self.veth, "up")
        elif self.sshd is not None:
            self.sshd.send_signal(signal.SIGCONT)
        self.restore_controller()

    def cut_controller(self) -> None:
        """Cut only the controller's link to this host (namespaces only): its replies to the
        controller go nowhere; its traffic to the other hosts still flows."""
        assert self.namespace, "needs network namespaces"
        assert self.gateway, "needs network namespaces"
        _run("ip", "-n", self.namespace, "route", "add", "blackhole", f"{self.gateway}/32")

    def restore_controller(self) -> None:
        if self.namespace and self.gateway:
            _run(
                "ip", "-n", self.namespace, "route", "del", "blackhole", f"{self.gateway}/32",
                check=False,
            )  # fmt: skip


@dataclass
class SshHostSet:
    base: Path
    prefix: str
    mode: str  # "netns" or "loopback"
    client_key: Path
    known_hosts: Path
    hosts: list[SshHost] = field(default_factory=list)
    bridge: str | None = None
    subnet: int | None = None
    spawned: list[subprocess.Popen[bytes]] = field(default_factory=list)
    startup_s: float = 0.0

    @property
    def gateway(self) -> str:
        return f"10.200.{self.subnet}.1" if self.subnet is not None else "127.0.0.1"

    def spawn(self, host: SshHost, argv: Sequence[str]) -> subprocess.Popen[bytes]:
        process = host.spawn(argv)
        self.spawned.append(process)
        return process

    def ssh_argv(self, host: SshHost, command: str) -> list[str]:
        return [
            "ssh",
            "-i",
            str(self.client_key),
            "-p",
            str(host.port),
            "-o",
            f"UserKnownHostsFile={self.known_hosts}",
            "-o",
            "StrictHostKeyChecking=yes",
            "-o",
            "BatchMode=yes",
            f"root@{host.address}",
            command,
        ]

    def stop(self) -> None:
        for process in self.spawned:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=5)
        for host in self.hosts:
            if host.namespace:
                pids = _run("ip", "netns", "pids", host.namespace, check=False).stdout.split()
                for pid in pids:
                    with contextlib.suppress(ProcessLookupError, ValueError):
                        os.kill(int(pid), signal.SIGKILL)
            if host.sshd is not None:
                with contextlib.suppress(ProcessLookupError):
                    host.sshd.send_signal(signal.SIGCONT)
                    host.sshd.kill()
                with contextlib.suppress(subprocess.TimeoutExpired):
                    host.sshd.wait(timeout=5)
            if host.veth:
                _run("ip", "link", "del", host.veth, check=False)
            if host.namespace:
                _run("ip", "netns", "del", host.namespace, check=False)
        if self.bridge:
            _run("ip", "link", "del", self.bridge, check=False)


def _keygen(path: Path, comment: str) -> str:
    _run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", str(path))
    return path.with_suffix(".pub").read_text().strip()


def _sshd_config(host: SshHost, authorized: Path, *, listen: str) -> Path:
    config = host.root / "sshd_config"
    config.write_text(
        "\n".join(
            [
                f"ListenAddress {listen}",
                f"Port {host.port}",
                f"HostKey {host.root / 'host_key'}",
                f"PidFile {host.root / 'sshd.pid'}",
                f"AuthorizedKeysFile {authorized}",
                "PermitRootLogin prohibit-password",
                "PasswordAuthentication no",
                "KbdInteractiveAuthentication no",
                "UsePAM no",
                "StrictModes no",
                "MaxStartups 100:30:200",
                "MaxSessions 50",
                "UseDNS no",
                "Subsystem sftp internal-sftp",
                "",
            ]
        )
    )
    return config


def _wait_listening(host: SshHost, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if host.sshd is not None and host.sshd.poll() is not None:
            log = (host.root / "sshd.log").read_text(errors="replace")
            raise RuntimeError(f"sshd on {host.name} exited: {log[-2000:]}")
        with (
            contextlib.suppress(OSError),
            socket.create_connection((host.address, host.port), timeout=0.5) as conn,
        ):
            if conn.recv(4).startswith(b"SSH-"):
                return
        time.sleep(0.05)
    raise RuntimeError(f"sshd on {host.name} ({host.target}) did not answer in {timeout} s")


def start_hosts(base: Path, count: int, *, force_loopback: bool = False) -> SshHostSet:
    """Start ``count`` sshd hosts under ``base``; the caller must call ``stop()``."""
    base.mkdir(parents=True, exist_ok=True)
    prefix = f"g{secrets.token_hex(2)}"  # interface names stay under 15 characters
    netns = not force_loopback and _can_make_namespaces()
    client_key = base / "client_key"
    authorized = base / "authorized_keys"
    authorized.write_text(_keygen(client_key, "govcloud-tests") + "\n")
    hosts = SshHostSet(
        base=base,
        prefix=prefix,
        mode="netns" if netns else "loopback",
        client_key=client_key,
        known_hosts=base / "known_hosts",
    )
    try:
        if netns:
            hosts.subnet = _free_subnet()
            hosts.bridge = f"{prefix}br"
            _run("ip", "link", "add", hosts.bridge, "type", "bridge")
            _run("ip", "addr", "add", f"{hosts.gateway}/24", "dev", hosts.bridge)
            _run("ip", "link", "set", hosts.bridge, "up")
        lines = []
        for k in range(1, count + 1):
            root = base / f"h{k}"
            (root / "srv").mkdir(parents=True)
            name = f"{prefix}-h{k}"
            if netns:
                host = SshHost(
                    name=name,
                    address=f"10.200.{hosts.subnet}.{10 + k}",
                    port=22,
                    root=root,
                    srv=root / "srv",
                    remote_srv="/srv",
                    namespace=f"{prefix}h{k}",
                    veth=f"{prefix}v{k}",
                    gateway=hosts.gateway,
                )
            else:
                host = SshHost(
                    name=name,
                    address=f"127.0.{200 + (k // 200)}.{20 + k % 200}",
                    port=2200 + secrets.randbelow(20000),
                    root=root,
                    srv=root / "srv",
                    remote_srv=str(root / "srv"),
                )
            hosts.hosts.append(host)
            host.host_key_pub = _keygen(root / "host_key", name)
            key_type, key_body = host.host_key_pub.split()[:2]
            where = host.address if host.port == 22 else f"[{host.address}]:{host.port}"
            lines.append(f"{where} {key_type} {key_body}")
            config = _sshd_config(host, authorized, listen=host.address)
            sshd = [SSHD, "-D", "-f", str(config), "-E", str(root / "sshd.log")]
            if netns:
                assert host.namespace
                assert host.veth
                _run("ip", "netns", "add", host.namespace)
                peer = f"{prefix}p{k}"
                _run("ip", "link", "add", host.veth, "type", "veth", "peer", "name", peer)
                _run("ip", "link", "set", host.veth, "master", hosts.bridge or "", "up")
                _run("ip", "link", "set", peer, "netns", host.namespace)
                ns = ("ip", "-n", host.namespace)
                _run(*ns, "link", "set", peer, "name", "eth0")
                _run(*ns, "addr", "add", f"{host.address}/24", "dev", "eth0")
                _run(*ns, "link", "set", "eth0", "up")
                _run(*ns, "link", "set", "lo", "up")
                _run(*ns, "route", "add", "default", "via", hosts.gateway)
                script = (
                    'hostname "$1" && mount --make-rprivate / && mount --bind "$2" /srv '
                    '&& shift 2 && exec "$@"'
                )
                argv = [
                    "ip", "netns", "exec", host.namespace,
                    "unshare", "--uts", "--mount", "sh", "-c", script, "sh",
                    name, str(host.srv), *sshd,
                ]  # fmt: skip
            else:
                argv = sshd
            Path("/run/sshd").mkdir(exist_ok=True)
            host.sshd = subprocess.Popen(argv, stdin=subprocess.DEVNULL, start_new_session=True)
        hosts.known_hosts.write_text("\n".join(lines) + "\n")
        for host in hosts.hosts:
            _wait_listening(host)
    except BaseException:
        hosts.stop()
        raise
    return hosts
