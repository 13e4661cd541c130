"""The API docs and the favicon work on a network that reaches no CDN: every asset the docs
pages reference is this app's own and answers, and the docs' CSP allows nothing else."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

REPO = Path(__file__).resolve().parents[2]
DOCS_PAGES = ("/api/v1/docs", "/api/v1/docs/redoc")
_REFERENCE = re.compile(r'(?:src|href|spec-url|data-openapi-url)="([^"]+)"')


def references(html: str) -> list[str]:
    return _REFERENCE.findall(html)


@pytest.mark.parametrize("path", DOCS_PAGES)
def test_docs_reference_only_their_own_assets_and_each_answers(
    client: TestClient, path: str
) -> None:
    """Catches: Swagger UI or ReDoc loaded from cdn.jsdelivr.net (FastAPI's default), an asset
    path that 404s (a package upgrade moving its files), a CSP that still allows a CDN."""
    page = client.get(path)
    assert page.status_code == 200
    found = references(page.text)
    assert any(ref.endswith(".js") for ref in found)
    for ref in found:
        assert ref.startswith("/"), f"{path} references {ref}"
        assert not ref.startswith("//"), f"{path} references another host: {ref}"
        answer = client.get(ref)
        assert answer.status_code == 200, ref
        assert answer.content, ref
    csp = page.headers["content-security-policy"]
    assert "http" not in csp
    assert "script-src 'self';" in csp  # no inline script, no other origin


def test_swagger_starts_from_a_file_not_an_inline_script(client: TestClient) -> None:
    html = client.get("/api/v1/docs").text
    assert re.search(r"<script>(?!</script>)", html) is None
    init = client.get("/api/v1/docs/own/swagger-init.js")
    assert init.status_code == 200
    assert "SwaggerUIBundle(" in init.text
    assert "validatorUrl: null" in init.text  # the public validator is the outside world


def test_the_favicon_answers_and_the_pages_link_it(client: TestClient) -> None:
    """Catches: /favicon.ico 404s on every page load; base.html without an icon."""
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200
    assert icon.headers["content-type"] == "image/svg+xml"
    assert icon.content.startswith(b"<svg")
    login = client.get("/login").text
    linked = re.search(r'<link rel="icon" href="([^"]+)" type="image/svg\+xml">', login)
    assert linked is not None
    assert client.get(linked.group(1)).content == icon.content


def test_runtime_dependencies_carry_what_the_app_and_the_cli_import() -> None:
    """Catches: kubernetes-validate only in the dev extra (``make run`` installs the runtime
    dependencies only, so ``govcloud stack render --validate`` failed there), and the docs'
    bundle likewise."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    runtime = {re.split(r"[<>=;\[ ]", dep, maxsplit=1)[0] for dep in project["dependencies"]}
    assert {"kubernetes-validate", "fastapi-offline"} <= runtime
    import fastapi_offline  # noqa: F401
    import kubernetes_validate  # noqa: F401


def test_every_reference_in_the_openapi_document_resolves(client: TestClient) -> None:
    """Catches: ``#/$defs/X`` left by a hand-written request schema (metrics batches), which
    resolves against the document's root where nothing is: ReDoc showed only an error."""
    document = client.get("/api/v1/openapi.json").json()
    stack: list[object] = [document]
    refs: set[str] = set()
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if isinstance(item.get("$ref"), str):
                refs.add(item["$ref"])
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    assert refs
    for ref in sorted(refs):
        assert ref.startswith("#/"), ref
        target: object = document
        for part in ref[2:].split("/"):
            assert isinstance(target, dict), ref
            assert part in target, f"{ref} points nowhere"
            target = target[part]


def test_the_redoc_bundle_names_no_other_host_for_what_it_loads(client: TestClient) -> None:
    """Catches: ReDoc's logo fetched from its maker's CDN (a CSP violation on every load)."""
    bundle = client.get("/api/v1/docs/assets/redoc.standalone.js")
    assert bundle.status_code == 200
    assert bundle.headers["content-type"].startswith("text/javascript")
    assert b"cdn.redoc.ly" not in bundle.content
    assert len(bundle.content) > 500_000
