"""Languages: choosing one, switching it, and catalogs that cover every string the pages show."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

import portal_api
from infra.audit.models import AuditEntry
from infra.labels import all_labelled, label_msgid
from infra.tenancy.enums import Role
from infra.tenancy.models import User
from portal_api.web import cookies, i18n
from tests import factories
from tests.portal_api.web.conftest import csrf_in, sign_in

PORTAL_DIR = Path(portal_api.__file__).parent  # babel.cfg's root: pages, templates, labels


# -- choosing and switching ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("cookie", "header", "expected"),
    [
        (None, None, "zh_CN"),
        (None, "en-GB,en;q=0.9", "en"),
        (None, "fr-FR, en;q=0.5, zh;q=0.8", "zh_CN"),
        (None, "zh-TW", "zh_CN"),
        (None, "de, en;q=0", "zh_CN"),
        ("en", "zh-CN", "en"),
        ("xx", "en", "en"),
    ],
)
def test_negotiation_before_sign_in(cookie: str | None, header: str | None, expected: str) -> None:
    assert i18n.negotiate(cookie=cookie, accept_language=header, default="zh_CN") == expected


def test_login_page_follows_accept_language_and_the_lang_cookie(client: TestClient) -> None:
    assert 'lang="zh-CN"' in client.get("/login").text
    english = client.get("/login", headers={"Accept-Language": "en-US,en;q=0.8"}).text
    assert '<html lang="en">' in english
    assert "Sign in" in english
    token = csrf_in(client.get("/login").text)
    response = client.post(
        "/lang", data={"csrf": token, "locale": "en", "next": "/login"}, follow_redirects=False
    )
    assert response.status_code == 303
    assert client.cookies[cookies.LANG_COOKIE] == "en"
    assert "Sign in" in client.get("/login").text
    assert client.post("/lang", data={"locale": "zh_CN"}).status_code == 403


def test_switching_language_changes_the_pages_and_is_saved(
    client: TestClient, session: Session, world: factories.World
) -> None:
    user = world.users[Role.OPERATOR]
    csrf = sign_in(client, user)
    chinese = client.get("/quotas").text
    assert "配额" in chinese
    assert "<h1>Quotas</h1>" not in chinese
    assert client.post("/lang", data={"locale": "en", "next": "/quotas"}).status_code == 403
    response = client.post(
        "/lang", data={"csrf": csrf, "locale": "en", "next": "/quotas"}, follow_redirects=False
    )
    assert response.headers["location"] == "/quotas"
    english = client.get("/quotas").text
    assert '<html lang="en">' in english
    assert "<h1>Quotas</h1>" in english
    assert "Cloud operator" in english  # enum labels follow the language too
    session.rollback()
    session.expire_all()
    assert session.get_one(User, user.id).locale == "en"
    entry = session.scalars(
        select(AuditEntry).where(AuditEntry.entity == "user").order_by(AuditEntry.seq.desc())
    ).first()
    assert entry is not None
    assert (entry.actor_id, entry.before, entry.after) == (
        user.id,
        {"locale": "zh_CN"},
        {"locale": "en"},
    )
    bad = client.post("/lang", data={"csrf": csrf, "locale": "fr"})
    assert bad.status_code == 422


# -- catalogs --------------------------------------------------------------------------------


LABEL_DIRS = tuple(PORTAL_DIR.parent / floor for floor in ("infra", "monitoring", "billing"))


def extracted_msgids(directory: Path = PORTAL_DIR, *, labels: bool = True) -> set[str]:
    """Every msgid ``pybabel extract -F babel.cfg`` finds in the top floor and, with
    ``labels``, in the lower floors (their enums' labels)."""
    with (directory / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)  # type: ignore[no-untyped-call]
    found: set[str] = set()
    for root in (directory, *(LABEL_DIRS if labels else ())):
        for _file, _line, message, _comments, _context in extract_from_dir(
            str(root), method_map, options_map
        ):
            found.add(message if isinstance(message, str) else message[0])
    return found


def load_catalog(locale: str) -> Catalog:
    with i18n.catalog_path(locale).open("rb") as po_file:
        return read_po(po_file, locale=locale)


def untranslated(catalog: Catalog, msgids: Iterable[str]) -> list[str]:
    """msgids that are absent, empty or fuzzy in ``catalog``."""
    missing = []
    for msgid in sorted(msgids):
        message = catalog.get(msgid)
        if message is None or not message.string or message.fuzzy:
            missing.append(msgid)
    return missing


def test_extraction_finds_templates_and_python() -> None:
    msgids = extracted_msgids()
    assert "Skip to main content" in msgids  # base.html
    assert "The quota was saved." in msgids  # quotas/pages.py
    assert "Cloud operator" in msgids  # infra/tenancy/enums.py (N_, beside the enum)
    assert "Enter a whole number." in msgids  # forms.py
    assert len(msgids) > 100


def test_every_msgid_has_a_chinese_translation() -> None:
    missing = untranslated(load_catalog("zh_CN"), extracted_msgids())
    assert not missing, f"untranslated in zh_CN (run pybabel update, then translate): {missing}"


def test_the_english_catalog_lists_every_msgid() -> None:
    catalog = load_catalog("en")
    absent = [msgid for msgid in extracted_msgids() if catalog.get(msgid) is None]
    assert not absent, f"run pybabel update: {absent}"


def test_translations_keep_their_placeholders() -> None:
    problems = [
        (message.id, [str(error) for error in errors])
        for message, errors in load_catalog("zh_CN").check()
    ]
    assert not problems


def test_the_completeness_check_can_fail(tmp_path: Path) -> None:
    (tmp_path / "templates").mkdir()
    (tmp_path / "babel.cfg").write_text((PORTAL_DIR / "babel.cfg").read_text())
    (tmp_path / "templates" / "page.html").write_text("<p>{{ _('Overview') }}</p>")
    (tmp_path / "view.py").write_text("_('A string nobody translated')\n")
    msgids = extracted_msgids(tmp_path, labels=False)
    assert msgids == {"Overview", "A string nobody translated"}
    assert untranslated(load_catalog("zh_CN"), msgids) == ["A string nobody translated"]
    fuzzy = Catalog(locale="zh_CN")
    fuzzy.add("Overview", "概览", flags=["fuzzy"])
    assert untranslated(fuzzy, {"Overview"}) == ["Overview"]


def test_every_enum_value_has_a_translated_label() -> None:
    chinese = i18n.translations("zh_CN")
    for member in all_labelled():
        msgid = label_msgid(member)
        assert msgid != member.value, f"{member!r} has no label"
        assert chinese.gettext(msgid) != msgid, f"{msgid!r} is not translated"
    assert {type(m) for m in all_labelled()} >= {Role}
