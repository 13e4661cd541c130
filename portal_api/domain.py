"""One descriptor per domain of the top floor, and the one list that collects them.

A domain is a folder ``portal_api/<name>/`` holding any of ``api.py`` (exports ``router``,
mounted under ``/api/v1``), ``pages.py`` (exports ``router``, the web pages) and ``cli.py``
(exports ``register(app)``, its ``govcloud`` commands); its ``__init__.py`` exports ``DOMAIN``,
which adds the navigation entries.  :mod:`portal_api.domains` lists the domains in navigation
order; the app, the pages and the CLI read that list and nothing else, so adding a domain is
one folder and one line.  Parts are imported only when asked for: the API alone never loads
the pages, and the CLI never loads FastAPI routers.
"""

from __future__ import annotations

import importlib
import importlib.util
from dataclasses import dataclass
from types import ModuleType
from typing import Literal

from portal_api.permissions import Permission

Part = Literal["api", "pages", "cli"]


@dataclass(frozen=True)
class NavItem:
    """A link in the page header, shown to viewers holding ``permission``."""

    path: str
    label: str  # msgid, translated when rendered
    permission: Permission


@dataclass(frozen=True)
class Domain:
    name: str
    navigation: tuple[NavItem, ...] = ()

    def has(self, part: Part) -> bool:
        return importlib.util.find_spec(f"portal_api.{self.name}.{part}") is not None

    def part(self, part: Part) -> ModuleType | None:
        """The domain's ``api``, ``pages`` or ``cli`` module, or None when it has none."""
        return importlib.import_module(f"portal_api.{self.name}.{part}") if self.has(part) else None
