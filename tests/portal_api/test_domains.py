"""The top floor's layer: one folder per domain, one list, generated permission aliases."""

from __future__ import annotations

from pathlib import Path

import portal_api
from portal_api import access_gen
from portal_api.domains import DOMAINS, NAVIGATION
from portal_api.permissions import Permission

PORTAL = Path(portal_api.__file__).parent
PARTS = ("api", "pages", "cli")


def test_every_domain_folder_is_listed_once() -> None:
    """Catches a domain folder whose routers or commands nobody mounts (forgotten in the list)."""
    folders = {
        path.name
        for path in PORTAL.iterdir()
        if path.is_dir() and any((path / f"{part}.py").exists() for part in PARTS)
    }
    names = [domain.name for domain in DOMAINS]
    assert len(names) == len(set(names))
    assert folders == set(names)


def test_every_part_exports_what_the_collectors_read() -> None:
    for domain in DOMAINS:
        for part in ("api", "pages"):
            module = domain.part(part)
            if module is not None:
                assert hasattr(module, "router"), f"{domain.name}.{part} has no router"
        commands = domain.part("cli")
        if commands is not None:
            assert callable(getattr(commands, "register", None)), domain.name


def test_navigation_paths_are_unique() -> None:
    paths = [item.path for item in NAVIGATION]
    assert len(paths) == len(set(paths))


def test_the_permission_aliases_are_generated_and_current() -> None:
    """Catches a hand edit of the alias modules, or a permission added without regenerating."""
    assert access_gen.API_MODULE.read_text() == access_gen.api_source()
    assert access_gen.PAGES_MODULE.read_text() == access_gen.pages_source()
    for permission in Permission:
        assert f"\n{access_gen.alias_name(permission)} = " in access_gen.api_source()
