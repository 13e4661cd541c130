"""axe-core on every page each demo role reaches, in both languages: no serious or critical
violations (Chinese government sites answer to GB/T 37668, which follows WCAG 2.0).

axe-core comes from npm (``tests/portal_api/web/axe``, pinned by its package-lock.json and
installed by ``.ci/run`` with ``npm ci``); the test skips, saying so, without it.  axe is loaded
as a context init script (through the DevTools protocol, like Playwright's own scripts), so the
pages keep their real Content-Security-Policy (``script-src 'self'``) during the pass and no
``bypass_csp`` context is needed.  It catches what axe rates serious or critical: form controls
without labels, text below 4.5:1 contrast, a missing ``lang``, images without text, table
cells without headers, duplicate ids of labelled controls, links without text.  The crawl
itself is the link test's (``test_links.py``); HTTP and console problems are counted there.

Every role's crawl opens the same pages as the link test, but axe (about a second a page on a
busy machine) runs once per kind of page (``/requests/{n}``), language and set of controls: a
role that gets a form or a button another role did not is checked again on that page.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from portal_api.demo import DEMO_PASSWORD
from tests.portal_api.web.crawl.conftest import page_budget
from tests.portal_api.web.crawl.crawler import LANGUAGES, crawl, shape

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = [pytest.mark.browser, pytest.mark.slow]

AXE = Path(__file__).parents[1] / "axe" / "node_modules" / "axe-core" / "axe.min.js"
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
COUNTED = ("serious", "critical")
# What makes two pages of one kind differ for axe: the language and the controls a role gets.
FINGERPRINT = """
() => [document.documentElement.lang, ...Array.from(
  document.querySelectorAll("main :is(form, input, select, textarea, button, table)"),
  (e) => e.tagName + ":" + (e.getAttribute("name") || e.id || ""),
)].join(" ")
"""
RUN_AXE = """
async (tags) => {
  const only = { type: "tag", values: tags };
  const result = await axe.run(document, { runOnly: only, resultTypes: ["violations"] });
  return result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help, count: v.nodes.length,
    targets: v.nodes.slice(0, 3).map((n) => n.target.join(" ")),
  }));
}
"""


def axe_violations(page: Page) -> list[str]:
    """Serious and critical violations of axe's WCAG 2.0/2.1 A and AA rules, one line per rule."""
    found: list[dict[str, Any]] = page.evaluate(RUN_AXE, WCAG)
    return [
        f"{v['impact']} {v['id']} ({v['help']}) ×{v['count']}: {', '.join(v['targets'])}"
        for v in found
        if v["impact"] in COUNTED
    ]


def test_every_reachable_page_has_no_serious_accessibility_violations(
    browser: Browser, live_server: str, demo_city: list[str]
) -> None:
    if not AXE.exists():
        pytest.skip(f"axe-core is not installed at {AXE} (npm ci in {AXE.parents[2]})")
    violations: list[str] = []
    timings: list[str] = []
    checked: set[tuple[str, str]] = set()  # the kinds of page axe has seen
    for username in demo_city:
        for language, (tag, _) in LANGUAGES.items():

            def check(page: Page, path: str, who: str = f"{username} [{language}]") -> list[str]:
                kind = (shape(path), page.evaluate(FINGERPRINT))
                if kind not in checked:
                    checked.add(kind)
                    violations.extend(f"{who} {path}: {found}" for found in axe_violations(page))
                return []

            started = time.monotonic()
            context = browser.new_context(base_url=live_server, locale=tag)
            context.set_default_timeout(15_000)
            context.add_init_script(path=AXE)
            try:
                result = crawl(
                    context,
                    live_server,
                    who=username,
                    password=DEMO_PASSWORD,
                    language=language,
                    on_page=check,
                    max_pages=page_budget(username),
                )
            finally:
                context.close()
            assert len(result.pages) >= 2, f"{username} [{language}] reached only {result.pages}"
            timings.append(
                f"{username} [{language}]: {len(result.pages)} pages, {len(checked)} kinds "
                f"checked so far, {len(result.unseen)} left out, {time.monotonic() - started:.1f} s"
            )
    print("\n".join(timings))
    assert not violations, f"{len(violations)} violations:\n" + "\n".join(violations)
