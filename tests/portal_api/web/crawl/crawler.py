"""A breadth-first crawl of the portal as one signed-in user, in one language.

Starting from the navigation, every same-origin link is followed once (deduplicated by path and
query), at most ``per_shape`` pages of one shape (``/requests/7`` and ``/requests/9`` share the
shape ``/requests/{n}``) and at most ``max_pages`` pages in all, pages of a kind not seen yet
first, so a long list of hosts cannot eat the budget that other kinds of page need.  Downloads
(CSV, XLSX, PDF, …) are fetched, not opened, and only their status is checked.  ``on_page``
runs on every HTML page and returns the problems it sees there; the crawl itself records
4xx/5xx answers, console errors, script errors and failed sub-requests.
"""

from __future__ import annotations

import re
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urldefrag, urlsplit

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Page, Response

PER_SHAPE = 2
DOWNLOAD = re.compile(r"(/download|/export|\.(csv|xlsx|pdf|svg|png|yaml|yml|json|zip))(\?|$)")
# Same-origin paths that are not pages of the portal: the API and its documentation.
NOT_PAGES = ("/api/", "/docs", "/redoc", "/openapi.json", "/static/")
LANGUAGES = {"zh_CN": ("zh-CN", "中文"), "en": ("en", "English")}

Check = Callable[["Page", str], list[str]]


@dataclass
class Crawl:
    """What one crawl saw: the pages it opened, downloads it fetched and the problems."""

    who: str
    language: str
    pages: list[str] = field(default_factory=list)
    downloads: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    unseen: set[str] = field(default_factory=set)  # kinds of page left out by ``max_pages``
    came_from: dict[str, str] = field(default_factory=dict)

    def problem(self, path: str, text: str) -> None:
        source = self.came_from.get(path)
        where = f" (linked from {source})" if source else ""
        self.problems.append(f"{self.who} [{self.language}] {path}{where}: {text}")


def shape(path_and_query: str) -> str:
    """``/requests/12?page=2`` → ``/requests/{n}?page``: what pages of one kind share."""
    path, _, query = path_and_query.partition("?")
    keys = sorted({part.partition("=")[0] for part in query.split("&") if part})
    return re.sub(r"\d+", "{n}", path) + ("?" + "&".join(keys) if keys else "")


def sign_in(page: Page, username: str, password: str, language: str) -> None:
    """Sign in through the form, then choose ``language`` with the header's switch."""
    from playwright.sync_api import expect

    page.goto("/login")
    page.locator("#f-username").fill(username)
    page.locator("#f-password").fill(password)
    page.locator("form[action='/login'] button[type=submit]").click()
    expect(page.locator("form.logout")).to_be_visible()
    html_lang, switch = LANGUAGES[language]
    if page.locator("html").get_attribute("lang") != html_lang:
        page.get_by_role("button", name=switch, exact=True).click()
        expect(page.locator("html")).to_have_attribute("lang", html_lang)


def _links(page: Page, origin: str) -> list[str]:
    """Same-origin links as paths with their query; ``download:`` marks a download link."""
    hrefs: list[str] = page.eval_on_selector_all(
        "a[href]", "as => as.map(a => (a.hasAttribute('download') ? 'download:' : '') + a.href)"
    )
    found = []
    for href in hrefs:
        marker, url = ("download:", href[9:]) if href.startswith("download:") else ("", href)
        url = urldefrag(url)[0]
        if url.startswith(origin + "/"):
            found.append(marker + url.removeprefix(origin))
    return found


def _nav_links(page: Page, origin: str) -> list[str]:
    hrefs: list[str] = page.eval_on_selector_all(
        "header nav a[href]", "anchors => anchors.map(a => a.href)"
    )
    return [urldefrag(h)[0].removeprefix(origin) for h in hrefs if h.startswith(origin + "/")]


def crawl(
    context: BrowserContext,
    origin: str,
    *,
    who: str,
    password: str,
    language: str,
    on_page: Check,
    max_pages: int,
    per_shape: int = PER_SHAPE,
) -> Crawl:
    """Sign in as ``who`` in a fresh page of ``context`` and visit what is reachable."""
    result = Crawl(who=who, language=language)
    page = context.new_page()
    current = {"path": "/login"}
    page.on("console", lambda m: _console(result, current["path"], m.type, m.text))
    page.on("pageerror", lambda e: result.problem(current["path"], f"script error: {e}"))
    page.on("response", lambda r: _subresource(result, current["path"], origin, r))
    try:
        sign_in(page, who, password, language)
        current["path"] = "/"
        start = ["/", *_nav_links(page, origin)]
        queue: deque[str] = deque(start)
        seen = set(start)
        shapes: Counter[str] = Counter()
        while queue:
            target = _next(queue, shapes)
            path = target.removeprefix("download:")
            download = target != path or DOWNLOAD.search(path) is not None
            if urlsplit(path).path == "/logout" or (path.startswith(NOT_PAGES) and not download):
                continue
            kind = shape(path)
            if shapes[kind] >= per_shape:
                continue
            if len(result.pages) >= max_pages:
                if shapes[kind] == 0:
                    result.unseen.add(kind)
                continue
            shapes[kind] += 1
            if download:
                _fetch(context, origin, path, result)
                continue
            current["path"] = path
            for link in _visit(page, context, origin, path, result, on_page):
                if link not in seen:
                    seen.add(link)
                    queue.append(link)
                    result.came_from.setdefault(link.removeprefix("download:"), path)
    finally:
        page.close()
    return result


def _next(queue: deque[str], shapes: Counter[str]) -> str:
    """Breadth over kinds of page: first a link to a path of a kind not opened yet, then one
    with new query parameters (a filter, the next page of a list), then the oldest."""
    paths = Counter(kind.partition("?")[0] for kind, seen in shapes.items() if seen)
    best, rank = 0, 2
    for index, target in enumerate(queue):
        kind = shape(target.removeprefix("download:"))
        if shapes[kind] == 0:
            new_rank = 0 if paths[kind.partition("?")[0]] == 0 else 1
            if new_rank < rank:
                best, rank = index, new_rank
                if rank == 0:
                    break
    target = queue[best]
    del queue[best]
    return target


def _visit(
    page: Page, context: BrowserContext, origin: str, path: str, result: Crawl, on_page: Check
) -> list[str]:
    from playwright.sync_api import Error

    try:
        response = page.goto(path, wait_until="load")
    except Error as error:
        if "Download is starting" in str(error):
            _fetch(context, origin, path, result)
        else:
            result.problem(path, f"navigation failed: {error}")
        return []
    if response is None:
        result.problem(path, "no response")
        return []
    if response.status >= 400:
        result.problem(path, f"HTTP {response.status}")
    if not response.headers.get("content-type", "").startswith("text/html"):
        result.downloads.append(path)
        return []
    result.pages.append(path)
    for text in on_page(page, path):
        result.problem(path, text)
    if not page.url.startswith(origin):
        result.problem(path, f"left the site for {page.url}")
        return []
    return _links(page, origin)


def _fetch(context: BrowserContext, origin: str, path: str, result: Crawl) -> None:
    response = context.request.get(origin + path, max_redirects=0)
    result.downloads.append(path)
    if response.status >= 400:
        result.problem(path, f"download answered HTTP {response.status}")
    response.dispose()


def _console(result: Crawl, path: str, kind: str, text: str) -> None:
    if kind == "error":
        result.problem(path, f"console error: {text}")


def _subresource(result: Crawl, path: str, origin: str, response: Response) -> None:
    request = response.request
    if request.resource_type != "document" and response.status >= 400:
        result.problem(path, f"{request.resource_type} {response.url} answered {response.status}")
