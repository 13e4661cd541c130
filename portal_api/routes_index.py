"""What the app serves, and what each API route declares it needs (for tests and docs)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from fastapi import FastAPI
from fastapi.routing import APIRoute

from portal_api.deps import Allow, Public
from portal_api.permissions import Permission


@dataclass(frozen=True)
class ApiRoute:
    method: str
    path: str
    route: APIRoute


def api_routes(app: FastAPI, prefix: str = "/api/") -> Iterator[ApiRoute]:
    """Every (method, full path) the app answers under ``prefix``."""
    try:
        from fastapi.routing import iter_route_contexts
    except ImportError:  # FastAPI before routers were included lazily
        contexts = [(r, getattr(r, "path", "")) for r in app.routes]
    else:
        contexts = [(c.original_route, c.path) for c in iter_route_contexts(app.routes)]
    for route, path in contexts:
        if isinstance(route, APIRoute) and path.startswith(prefix):
            for method in sorted((route.methods or set()) - {"HEAD"}):
                yield ApiRoute(method, path, route)


def declared_accesses(route: APIRoute) -> list[Permission | str]:
    """Every permission (or ``"public"``) a route's dependencies declare; exactly one is right."""
    found: list[Permission | str] = []
    stack = list(route.dependant.dependencies)
    while stack:
        dependency = stack.pop()
        if isinstance(dependency.call, Allow):
            found.append(dependency.call.permission)
        elif isinstance(dependency.call, Public):
            found.append("public")
        stack.extend(dependency.dependencies)
    return found


def declared_access(route: APIRoute) -> Permission | str | None:
    """The permission a route demands, ``"public"``, or None when it declares nothing."""
    found = declared_accesses(route)
    return found[0] if found else None
