"""A full-tree manifest of one directory, and the comparison of two.

Python 3.8 or later (what ansible-core needs on a host), standard library only.

The migration playbooks run this very file on the source and on the destination (``python3 -c``
with the file's text, so nothing is left on a host), so both sides are measured alike.

    python3 tree_manifest.py ROOT                 print ROOT's manifest (one JSON line each)
    python3 tree_manifest.py ROOT --compare [--uid-map A:B,..] [--gid-map A:B,..]
                                                  read the source's manifest on stdin, print
                                                  every difference, exit 1 if there is one
    python3 tree_manifest.py ROOT --remap-acls --uid-map A:B,.. --gid-map A:B,..
                                                  rewrite the ids named in ROOT's ACLs (rsync
                                                  maps owners, not the users ACL entries name)

Each entry: the path relative to ROOT as hex of its bytes (any byte string is a name; the
output stays ASCII whatever the names are), type (f d l b c p s), permission bits (with
setuid/setgid/sticky), numeric uid and gid, size and sha256 of regular files, whether a file
is sparse, mtime in ns (not of symlinks' targets), symlink target bytes (hex), device numbers,
the hard-link group (the first path of the group, for files linked within the tree), and
every extended attribute by name with its value (hex) — ACLs are the ``system.posix_acl_*``
attributes.  The root itself is the entry ``""``.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import sys
from collections.abc import Iterator
from typing import Any

TYPES = (
    (stat.S_ISREG, "f"),
    (stat.S_ISDIR, "d"),
    (stat.S_ISLNK, "l"),
    (stat.S_ISBLK, "b"),
    (stat.S_ISCHR, "c"),
    (stat.S_ISFIFO, "p"),
    (stat.S_ISSOCK, "s"),
)


def _type(mode: int) -> str:
    return next(code for test, code in TYPES if test(mode))


def _sha256(path: bytes) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _xattrs(path: bytes) -> dict[str, str]:
    try:
        names = os.listxattr(path, follow_symlinks=False)
    except OSError:
        return {}
    found = {}
    for name in sorted(names):
        try:
            found[name] = os.getxattr(path, name, follow_symlinks=False).hex()
        except OSError:
            continue
    return found


def _walk(root: bytes) -> Iterator[bytes]:
    """Every path under ``root`` (bytes, relative to it); symlinks are not followed."""
    yield b""
    for top, dirs, files in os.walk(root, followlinks=False):
        rel = os.path.relpath(top, root)
        for name in dirs + files:
            yield os.path.normpath(os.path.join(rel, name))


def manifest(root: str | bytes) -> dict[str, dict[str, Any]]:
    """ROOT's entries: hex name → dict of what it is."""
    root = os.fsencode(root)
    entries = {}
    inodes: dict[tuple[int, int], list[str]] = {}
    for rel in sorted(_walk(root)):
        path = os.path.join(root, rel) if rel else root
        st = os.lstat(path)
        kind = _type(st.st_mode)
        entry = {
            "type": kind,
            "mode": f"{stat.S_IMODE(st.st_mode):04o}",
            "uid": st.st_uid,
            "gid": st.st_gid,
            "xattrs": _xattrs(path),
        }
        if kind != "l":
            entry["mtime_ns"] = st.st_mtime_ns
        if kind == "f":
            entry["size"] = st.st_size
            entry["sha256"] = _sha256(path)
            entry["sparse"] = st.st_blocks * 512 < st.st_size
            if st.st_nlink > 1:
                inodes.setdefault((st.st_dev, st.st_ino), []).append(rel.hex())
        elif kind == "l":
            entry["target"] = os.readlink(path).hex()
        elif kind in ("b", "c"):
            entry["rdev"] = f"{os.major(st.st_rdev)}:{os.minor(st.st_rdev)}"
        entries[rel.hex()] = entry
    for group in inodes.values():
        if len(group) > 1:
            for name in group:
                entries[name]["link_group"] = min(group)
    return entries


def _id_map(text: str) -> dict[int, int]:
    pairs = [item.split(":") for item in (text or "").split(",") if item]
    return {int(a): int(b) for a, b in pairs}


ACL_XATTRS = ("system.posix_acl_access", "system.posix_acl_default")
ACL_USER, ACL_GROUP = 0x02, 0x08


def map_acl(value: bytes, uid_map: dict[int, int], gid_map: dict[int, int]) -> bytes:
    """A POSIX ACL xattr (version 2: 4-byte header, 8-byte entries tag/perm/id, little
    endian) with the ids of its named-user and named-group entries mapped."""
    out = bytearray(value[:4])
    for offset in range(4, len(value) - 7, 8):
        tag = int.from_bytes(value[offset : offset + 2], "little")
        ident = int.from_bytes(value[offset + 4 : offset + 8], "little")
        ids = uid_map if tag == ACL_USER else gid_map if tag == ACL_GROUP else {}
        out += value[offset : offset + 4] + ids.get(ident, ident).to_bytes(4, "little")
    return bytes(out)


def expected(
    source: dict[str, dict[str, Any]], uid_map: dict[int, int], gid_map: dict[int, int]
) -> dict[str, dict[str, Any]]:
    """The source's manifest as the destination should show it (owners and ACLs mapped)."""
    for entry in source.values():
        entry["uid"] = uid_map.get(entry["uid"], entry["uid"])
        entry["gid"] = gid_map.get(entry["gid"], entry["gid"])
        for name in ACL_XATTRS:
            if name in entry["xattrs"]:
                value = bytes.fromhex(entry["xattrs"][name])
                entry["xattrs"][name] = map_acl(value, uid_map, gid_map).hex()
    return source


def remap_acls(root: str, uid_map: dict[int, int], gid_map: dict[int, int]) -> int:
    """Rewrite the ids in every ACL under ``root``; the number of ACLs changed."""
    changed = 0
    base = os.fsencode(root)
    for rel in _walk(base):
        path = os.path.join(base, rel) if rel else base
        if os.path.islink(path):
            continue
        for name in ACL_XATTRS:
            try:
                value = os.getxattr(path, name)
            except OSError:
                continue
            mapped = map_acl(value, uid_map, gid_map)
            if mapped != value:
                os.setxattr(path, name, mapped)
                changed += 1
    return changed


def shown(hex_name: str) -> str:
    name = bytes.fromhex(hex_name)
    return repr(name)[2:-1] if name else "."


def differences(
    source: dict[str, dict[str, Any]], destination: dict[str, dict[str, Any]]
) -> list[str]:
    """Each difference as one line: the entry (printable) and what differs."""
    found = []
    for name in sorted(set(source) | set(destination)):
        if name not in destination:
            found.append(f"{shown(name)}: missing at the destination")
            continue
        if name not in source:
            found.append(f"{shown(name)}: not at the source")
            continue
        want, have = source[name], destination[name]
        for key in sorted(set(want) | set(have)):
            if want.get(key) != have.get(key):
                found.append(
                    f"{shown(name)}: {key} differs (source {json.dumps(want.get(key))}, "
                    f"destination {json.dumps(have.get(key))})"
                )
    return found


def _option(args: list[str], name: str) -> str:
    return args[args.index(name) + 1] if name in args else ""


def main(args: list[str]) -> int:
    root = args[0]
    uid_map = _id_map(_option(args, "--uid-map"))
    gid_map = _id_map(_option(args, "--gid-map"))
    if "--remap-acls" in args:
        sys.stdout.write(f"{remap_acls(root, uid_map, gid_map)} ACLs remapped\n")
        return 0
    mine = manifest(root)
    if "--compare" not in args:
        for name, entry in sorted(mine.items()):
            sys.stdout.write(json.dumps([name, entry], sort_keys=True) + "\n")
        return 0
    source = dict(json.loads(line) for line in sys.stdin if line.strip())
    source = expected(source, uid_map, gid_map)
    found = differences(source, mine)
    for line in found[:200]:
        sys.stdout.write(line + "\n")
    if len(found) > 200:
        sys.stdout.write(f"... and {len(found) - 200} more differences\n")
    sys.stdout.write(f"{len(source)} entries compared, {len(found)} differences\n")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
