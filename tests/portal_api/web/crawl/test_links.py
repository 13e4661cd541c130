"""Every page every demo role can reach, in both languages, answers cleanly.

Signed in as each demo user (every role, department users and admins of a department and of a
section), the crawler starts at the navigation and follows every same-origin link.  It catches:
a link that answers 4xx/5xx (a page or a download), a failed stylesheet or script, a console
error or uncaught script error, a Content-Security-Policy violation, and an English message id
showing untranslated on a zh-CN page.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import Engine

from portal_api.demo import DEMO_PASSWORD
from tests.portal_api.web.crawl.checks import CSP_LISTENER, page_checks, stored_texts
from tests.portal_api.web.crawl.conftest import page_budget
from tests.portal_api.web.crawl.crawler import LANGUAGES, crawl

if TYPE_CHECKING:
    from playwright.sync_api import Browser

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_every_reachable_page_answers_cleanly_for_every_role_in_both_languages(
    browser: Browser, live_server: str, demo_city: list[str], shared_engine: Engine
) -> None:
    checks = page_checks(stored_texts(shared_engine))
    problems: list[str] = []
    timings: list[str] = []
    for username in demo_city:
        for language, (tag, _) in LANGUAGES.items():
            started = time.monotonic()
            context = browser.new_context(base_url=live_server, locale=tag)
            context.set_default_timeout(15_000)
            context.add_init_script(CSP_LISTENER)
            try:
                result = crawl(
                    context,
                    live_server,
                    who=username,
                    password=DEMO_PASSWORD,
                    language=language,
                    on_page=checks,
                    max_pages=page_budget(username),
                )
            finally:
                context.close()
            assert len(result.pages) >= 2, f"{username} [{language}] reached only {result.pages}"
            problems += result.problems
            timings.append(
                f"{username} [{language}]: {len(result.pages)} pages, {len(result.downloads)} "
                f"downloads, {len(result.unseen)} kinds left out, "
                f"{time.monotonic() - started:.1f} s"
            )
    print("\n".join(timings))
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems)
