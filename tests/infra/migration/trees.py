"""The tests' own full-tree manifest (written apart from ``playbooks/files/tree_manifest.py``,
so one cannot hide the other's mistake) and a tree holding everything a file system can.

``tree(root)`` maps each entry's path, as bytes relative to ``root`` (``b""`` is the root), to
what it is: type, permission bits, numeric owner, mtime (not of symlinks), size and sha256 of
files, whether a file is sparse, symlink target, device numbers, the hard-link group within the
tree, and every extended attribute (ACLs are ``system.posix_acl_*``).  ``differences`` names
each differing entry and field.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import subprocess
from pathlib import Path
from typing import Any

Entry = dict[str, Any]


def _paths(root: bytes) -> list[bytes]:
    found = [b""]
    for top, dirs, files in os.walk(root):
        rel = os.path.relpath(top, root)
        found += [os.path.normpath(os.path.join(rel, n)) for n in dirs + files]
    return sorted(found)


def tree(root: Path, *, uid_map: dict[int, int] | None = None) -> dict[bytes, Entry]:
    """Everything under ``root``; ``uid_map`` (also applied to gids) renames owners."""
    base = os.fsencode(root)
    ids = uid_map or {}
    entries: dict[bytes, Entry] = {}
    inodes: dict[tuple[int, int], list[bytes]] = {}
    for rel in _paths(base):
        path = os.path.join(base, rel) if rel else base
        st = os.lstat(path)
        entry: Entry = {
            "fmt": stat.S_IFMT(st.st_mode),
            "mode": stat.S_IMODE(st.st_mode),
            "uid": ids.get(st.st_uid, st.st_uid),
            "gid": ids.get(st.st_gid, st.st_gid),
            "xattrs": {
                n: os.getxattr(path, n, follow_symlinks=False)
                for n in sorted(os.listxattr(path, follow_symlinks=False))
            },
        }
        if stat.S_ISLNK(st.st_mode):
            entry["target"] = os.readlink(path)
        else:
            entry["mtime_ns"] = st.st_mtime_ns
        if stat.S_ISREG(st.st_mode):
            with open(path, "rb") as handle:
                entry["sha256"] = hashlib.file_digest(handle, "sha256").hexdigest()
            entry["size"] = st.st_size
            entry["sparse"] = st.st_blocks * 512 < st.st_size
            if st.st_nlink > 1:
                inodes.setdefault((st.st_dev, st.st_ino), []).append(rel)
        if stat.S_ISBLK(st.st_mode) or stat.S_ISCHR(st.st_mode):
            entry["rdev"] = st.st_rdev
        entries[rel] = entry
    for group in inodes.values():
        for rel in group:
            entries[rel]["links"] = min(group) if len(group) > 1 else None
    return entries


def differences(want: dict[bytes, Entry], have: dict[bytes, Entry]) -> list[str]:
    found = []
    for name in sorted(set(want) | set(have)):
        if name not in have or name not in want:
            found.append(f"{name!r}: {'missing' if name not in have else 'extra'}")
            continue
        for key in sorted(set(want[name]) | set(have[name])):
            if want[name].get(key) != have[name].get(key):
                found.append(f"{name!r}: {key} {want[name].get(key)!r} != {have[name].get(key)!r}")
    return found


def same_tree(source: Path, destination: Path, **kwargs: Any) -> list[str]:
    return differences(tree(source, **kwargs), tree(destination))


# --- a tree with everything ---------------------------------------------------------------

ODD_UID, ODD_GID, NAMELESS_ID = 1234, 4321, 54321
SPARSE_SIZE = 64 * 1024 * 1024


def odd_tree(root: Path, *, sparse: bool = True) -> None:
    """Non-UTF-8 names, spaces, newlines, leading dashes, symlinks (relative, absolute,
    dangling), hard links, empty directories, a sparse file (``sparse``), xattrs, ACLs, a FIFO
    and a device, odd modes, owners without names, sub-second mtimes."""
    b = os.fsencode(root)
    odd = os.path.join(b, b"odd")
    os.makedirs(os.path.join(odd, b"empty dir"))
    os.makedirs(os.path.join(odd, b"deep", b"er", b"empty"))
    named = {
        b"caf\xe9 latin-1.txt": b"latin-1 name\n",
        b"\xff\xfe not utf-8": b"\x00\xff binary \x80",
        b"with  two spaces ": b"spaces\n",
        b"new\nline": b"a newline in the name\n",
        b"-leading-dash": b"dash\n",
        b"--help": b"not an option\n",
        "中文 名字.txt".encode(): "中文内容\n".encode(),
        b"back\\slash": b"\\\n",
    }
    for name, data in named.items():
        with open(os.path.join(odd, name), "wb") as handle:
            handle.write(data)
    os.symlink(b"deep/er", os.path.join(odd, b"relative-link"))
    os.symlink(b"/etc/hostname", os.path.join(odd, b"absolute-link"))
    os.symlink(b"no/such/\xff/thing", os.path.join(odd, b"dangling-link"))
    os.link(os.path.join(odd, b"-leading-dash"), os.path.join(odd, b"deep", b"hard link"))
    os.link(os.path.join(odd, b"-leading-dash"), os.path.join(odd, b"hard\xfflink"))
    if sparse:
        sparse_file(root)
    os.mkfifo(os.path.join(odd, b"fifo"))
    os.mknod(os.path.join(odd, b"null-device"), 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    setuid = os.path.join(odd, b"setuid-tool")
    with open(setuid, "wb") as handle:
        handle.write(b"#!/bin/sh\n")
    os.chmod(setuid, 0o4755)  # noqa: S103 - an odd mode is the point
    os.chmod(os.path.join(odd, b"new\nline"), 0o000)
    os.chmod(os.path.join(odd, b"--help"), 0o604)
    os.chmod(os.path.join(odd, b"empty dir"), 0o1777)  # noqa: S103
    os.chmod(os.path.join(odd, b"deep"), 0o2750)  # noqa: S103
    os.chown(os.path.join(odd, b"caf\xe9 latin-1.txt"), ODD_UID, ODD_GID)
    os.chown(os.path.join(odd, b"deep"), NAMELESS_ID, NAMELESS_ID)
    os.chown(os.path.join(odd, b"dangling-link"), ODD_UID, ODD_GID, follow_symlinks=False)
    os.setxattr(os.path.join(odd, b"\xff\xfe not utf-8"), b"user.govcloud", b"\x00\x01 v\xff")
    os.setxattr(os.path.join(odd, b"deep"), b"user.classification", "内部".encode())
    os.setxattr(os.path.join(odd, b"with  two spaces "), b"trusted.origin", b"legacy")
    setfacl = shutil.which("setfacl")
    if setfacl:
        acl_file = os.fsdecode(os.path.join(odd, b"-leading-dash"))
        subprocess.run(
            [setfacl, "-m", f"u:{ODD_UID}:rw-,g:{ODD_GID}:r--", "--", acl_file], check=True
        )
        subprocess.run(
            [setfacl, "-d", "-m", f"u:{ODD_UID}:rwx", "--", os.fsdecode(odd) + "/deep"],
            check=True,
        )
    for i, name in enumerate(sorted(named)):
        path = os.path.join(odd, name)
        os.utime(path, ns=(1_700_000_000_123_456_789 + i, 1_600_000_000_987_654_321 + i))
    os.utime(os.path.join(odd, b"deep", b"er"), ns=(1_500_000_000_000_000_001,) * 2)


def sparse_file(root: Path) -> Path:
    """``odd/sparse.img``: 64 MiB of which 8 bytes are written (all but two blocks holes)."""
    path = root / "odd" / "sparse.img"
    with open(path, "wb") as handle:
        handle.write(b"head")
        handle.seek(SPARSE_SIZE - 4)
        handle.write(b"tail")
    return path
