"""What the crawl checks on every page: CSP violations, and English message ids left on
zh-CN pages."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from babel.messages.pofile import read_po
from sqlalchemy import Engine, String, Text, select

from portal_api.schema.all_models import Base
from portal_api.web import i18n
from tests.portal_api.web.crawl.crawler import Check

if TYPE_CHECKING:
    from playwright.sync_api import Page

# Runs before any of the page's own code: remembers every CSP violation the document reports.
CSP_LISTENER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(`${e.violatedDirective} blocked ${e.blockedURI || "inline"}`);
});
"""

# Visible text runs and the accessible texts of attributes, outside elements that declare another
# language (the language switch's "English") and outside code-like elements (ids, paths, YAML).
ZH_TEXTS = """
(root) => {
  const skip = "script,style,code,pre,kbd,samp,[translate=no]";
  const inZh = (el) => (el.closest("[lang]")?.getAttribute("lang") || "").startsWith("zh");
  const top = document.querySelector(root || "body");
  const out = root ? [] : [document.title];
  const walker = document.createTreeWalker(top, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    if (!el || el.closest(skip) || !inZh(el) || !el.checkVisibility()) continue;
    out.push(n.textContent);
  }
  for (const el of top.querySelectorAll("[title],[aria-label],[placeholder],[alt]")) {
    if (el.closest(skip) || !inZh(el)) continue;
    for (const a of ["title", "aria-label", "placeholder", "alt"]) {
      if (el.hasAttribute(a)) out.push(el.getAttribute(a));
    }
  }
  return out.map((t) => t.replace(/\\s+/g, " ").trim()).filter((t) => t);
}
"""

_PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w*\}")
_CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
_LETTERS = re.compile(r"[A-Za-z]{2,}")
_PROSE = re.compile(r"[A-Za-z]{2,}(?: [A-Za-z]{2,}){2,}")


@dataclass(frozen=True)
class EnglishMessages:
    """The zh_CN catalog's msgids, but those translated as themselves ("CSV", "vCPU")."""

    exact: frozenset[str]
    patterns: tuple[tuple[str, re.Pattern[str]], ...]

    def untranslated(self, text: str) -> str | None:
        """The msgid ``text`` shows untranslated, if it is one (placeholders match anything)."""
        if _CJK.search(text):
            return None
        if text in self.exact:
            return text
        for msgid, pattern in self.patterns:
            if pattern.fullmatch(text):
                return msgid
        return None


@cache
def english_messages() -> EnglishMessages:
    with i18n.catalog_path("zh_CN").open("rb") as po_file:
        catalog = read_po(po_file, locale="zh_CN")
    exact: set[str] = set()
    patterns: list[tuple[str, re.Pattern[str]]] = []
    for message in catalog:
        msgid = message.id if isinstance(message.id, str) else message.id[0]
        strings = message.string
        msgstr = strings if isinstance(strings, str) else (strings or [""])[0]
        if not msgid or msgstr == msgid:
            continue  # a translation that is the msgid itself ("CSV") may show as it is
        normal = " ".join(msgid.split())
        literal = _PLACEHOLDER.split(normal)
        if len(literal) == 1:
            exact.add(normal)
        elif _LETTERS.search("".join(literal)):
            regex = ".+?".join(re.escape(part) for part in literal)
            patterns.append((normal, re.compile(regex, re.DOTALL)))
    return EnglishMessages(frozenset(exact), tuple(patterns))


def csp_violations(page: Page) -> list[str]:
    found: list[str] = page.evaluate("window.__cspViolations || []")
    return [f"CSP violation: {text}" for text in found]


def untranslated_texts(page: Page, stored: frozenset[str] = frozenset()) -> list[str]:
    """English message ids visible on a zh-CN page (empty on pages in another language); text
    that is data from the database (a user named "provider", a request titled "… of …") is
    what someone typed, not a message."""
    if not (page.locator("html").get_attribute("lang") or "").startswith("zh"):
        return []
    messages = english_messages()
    found = []
    for text in dict.fromkeys(page.evaluate(ZH_TEXTS)):
        if text in stored:
            continue
        msgid = messages.untranslated(text)
        if msgid is not None:
            found.append(f"untranslated on a zh-CN page: {text!r} (msgid {msgid!r})")
    return found


def stored_texts(engine: Engine) -> frozenset[str]:
    """Every text value in the database with a Latin word in it: what users and the demo typed
    (names, titles, descriptions) may be English on a Chinese page; the code's words may not."""
    found: set[str] = set()
    with engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            columns = [c for c in table.columns if isinstance(c.type, String | Text)]
            if not columns:
                continue
            for row in conn.execute(select(*columns)):
                found.update(" ".join(v.split()) for v in row if isinstance(v, str) and v)
    return frozenset(t for t in found if _LETTERS.search(t))


def english_prose(page: Page, stored: frozenset[str]) -> list[str]:
    """English phrases (three words or more) in a zh-CN page's main content that are not data
    from the database: text the code writes without passing it through the catalog."""
    if not (page.locator("html").get_attribute("lang") or "").startswith("zh"):
        return []
    texts: list[str] = page.evaluate(ZH_TEXTS, "main")
    return [
        f"English text on a zh-CN page: {text!r}"
        for text in dict.fromkeys(texts)
        if _PROSE.search(text) and not _CJK.search(text) and text not in stored
    ]


def page_checks(stored: frozenset[str]) -> Check:
    """The crawl test's checks of each page (4xx/5xx and console errors are the crawler's)."""

    def check(page: Page, path: str) -> list[str]:
        return csp_violations(page) + untranslated_texts(page, stored) + english_prose(page, stored)

    return check
