"""Server-rendered web pages of the control panel (everything outside ``/api``).

``install(app)`` adds the page routes and the static files, and gives ``portal_api.errors``
the HTML error page it uses for every non-API path.
"""

from __future__ import annotations

from fastapi import Depends, FastAPI
from fastapi.staticfiles import StaticFiles

from portal_api.deps import integers_in_range
from portal_api.domains import DOMAINS
from portal_api.web.render import STATIC_DIR, html_error_page


def install(app: FastAPI) -> None:
    """Serve the pages and their static files; render errors on page paths as HTML."""
    for domain in DOMAINS:
        if (module := domain.part("pages")) is None:
            continue
        app.include_router(
            module.router, include_in_schema=False, dependencies=[Depends(integers_in_range)]
        )
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.state.html_error_page = html_error_page
