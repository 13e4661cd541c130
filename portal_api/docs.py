"""The API docs (Swagger UI and ReDoc) and the favicon, served by the app itself.

A government network may not reach any CDN, so the docs' scripts and styles come from the
``fastapi-offline`` package (it bundles Swagger UI and ReDoc) and are mounted under the docs
prefix; Swagger UI starts from a small file of ours instead of an inline script, so the docs'
Content-Security-Policy (``guards.py``) allows scripts from this origin only.
"""

from __future__ import annotations

from functools import cache
from html import escape
from pathlib import Path
from typing import Final

import fastapi_offline
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, Response

BUNDLED: Final = Path(fastapi_offline.__file__).resolve().parent / "static"
OWN: Final = Path(__file__).resolve().parent / "docs_assets"
FAVICON: Final = Path(__file__).resolve().parent / "web" / "static" / "favicon.svg"
# ReDoc's side menu shows its maker's logo from their CDN: pointed at our own icon instead.
REDOC_LOGO: Final = b"https://cdn.redoc.ly/redoc/logo-mini.svg"


@cache
def _redoc_bundle() -> bytes:
    return (BUNDLED / "redoc.standalone.js").read_bytes().replace(REDOC_LOGO, b"/favicon.ico")


def _page(title: str, head: str, body: str) -> str:
    return (
        '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n"
        '<link rel="icon" href="/favicon.ico" type="image/svg+xml">\n'
        f"{head}</head>\n<body>\n{body}</body>\n</html>\n"
    )


def install(app: FastAPI, *, docs_url: str, redoc_url: str, openapi_url: str) -> None:
    """Swagger UI at ``docs_url``, ReDoc at ``redoc_url`` (both under the Guard's docs
    prefix), their assets at ``{docs_url}/assets``, and ``/favicon.ico``."""
    assets = f"{docs_url}/assets"
    swagger = _page(
        f"{app.title} — Swagger UI",
        f'<link rel="stylesheet" href="{assets}/swagger-ui.css">\n',
        f'<div id="swagger-ui" data-openapi-url="{escape(openapi_url)}"></div>\n'
        f'<script src="{assets}/swagger-ui-bundle.js"></script>\n'
        f'<script src="{docs_url}/own/swagger-init.js"></script>\n',
    )
    redoc = _page(
        f"{app.title} — ReDoc",
        "",
        f'<redoc spec-url="{escape(openapi_url)}"></redoc>\n'
        f'<script src="{assets}/redoc.standalone.js"></script>\n',
    )

    async def swagger_page(_request: Request) -> Response:
        return HTMLResponse(swagger)

    async def redoc_page(_request: Request) -> Response:
        return HTMLResponse(redoc)

    async def redoc_script(_request: Request) -> Response:
        return Response(_redoc_bundle(), media_type="text/javascript")

    async def favicon(_request: Request) -> Response:
        return FileResponse(
            FAVICON, media_type="image/svg+xml", headers={"Cache-Control": "max-age=86400"}
        )

    app.add_route(docs_url, swagger_page, include_in_schema=False)
    app.add_route(redoc_url, redoc_page, include_in_schema=False)
    app.add_route("/favicon.ico", favicon, include_in_schema=False)
    # Routes match in order: the patched ReDoc bundle before the mount that holds the original.
    app.add_route(f"{assets}/redoc.standalone.js", redoc_script, include_in_schema=False)
    app.mount(assets, StaticFiles(directory=BUNDLED), name="docs-assets")
    app.mount(f"{docs_url}/own", StaticFiles(directory=OWN), name="docs-own")
