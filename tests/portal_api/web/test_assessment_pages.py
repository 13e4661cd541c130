"""Assessment pages: the manager's overview and sign-off, the provider's appeal, the survey
form, and the PDF report whose text holds the grade and the provider's name in both languages."""

from __future__ import annotations

import datetime as dt
import io
from typing import TYPE_CHECKING

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from infra.inventory import service as inventory
from infra.inventory.schemas import ProviderCreate
from infra.tenancy.enums import Role
from infra.tenancy.models import User
from monitoring.assessment.enums import AssessmentStatus
from monitoring.assessment.models import ProviderAssessment, SurveyResponse
from tests import factories
from tests.portal_api.web.conftest import csrf_in, sign_in

if TYPE_CHECKING:
    from playwright.sync_api import Browser


def _provider_rep(session: Session, world: factories.World) -> tuple[int, User]:
    provider = inventory.create_provider(
        session,
        data=ProviderCreate(code="yun-a", name="城市云甲公司", name_en="City Cloud A Ltd"),
        actor=factories.SYSTEM,
    )
    session.commit()
    rep = factories.user(session, role=Role.PROVIDER_REP)
    session.execute(update(User).where(User.id == rep.id).values(provider_id=provider.id))
    session.commit()
    return provider.id, rep


def _draft(client: TestClient, session: Session, world: factories.World, provider_id: int) -> int:
    csrf = sign_in(client, world.users[Role.MANAGER])
    answer = client.post(
        "/assessments/draft",
        data={"csrf": csrf, "provider_id": str(provider_id), "quarter": "2026Q2"},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    return int(answer.headers["location"].rsplit("/", 1)[1])


def test_manager_drafts_reviews_and_signs(
    client: TestClient, session: Session, world: factories.World
) -> None:
    """The overview lists the draft as awaiting sign-off; a too-short reason is shown beside
    its field (422); signing inside the comment window is refused with the reason; after the
    window the manager signs and the page says Signed."""
    provider_id, _ = _provider_rep(session, world)
    made = _draft(client, session, world, provider_id)
    overview = client.get("/assessments").text
    assert "待您签批" in overview
    assert f"/assessments/{made}" in overview
    page = client.get(f"/assessments/{made}").text
    csrf = csrf_in(page)
    short = client.post(
        f"/assessments/{made}/adjust", data={"csrf": csrf, "points": "-1", "reason": "no"}
    )
    assert short.status_code == 422
    assert 'id="f-reason"' in short.text
    assert "reason" in short.text or "理由" in short.text
    early = client.post(f"/assessments/{made}/sign", data={"csrf": csrf})
    assert early.status_code == 409
    session.execute(
        update(ProviderAssessment).values(comments_close_at=dt.datetime(2026, 7, 1, tzinfo=dt.UTC))
    )
    session.commit()
    signed = client.post(f"/assessments/{made}/sign", data={"csrf": csrf}, follow_redirects=True)
    assert signed.status_code == 200
    assert "已签批" in signed.text
    session.expire_all()
    row = session.get(ProviderAssessment, made)
    assert row is not None
    assert row.status is AssessmentStatus.SIGNED


def test_provider_appeals_and_sees_only_its_own(
    client: TestClient, session: Session, world: factories.World
) -> None:
    provider_id, rep = _provider_rep(session, world)
    made = _draft(client, session, world, provider_id)
    client.cookies.clear()
    csrf = sign_in(client, rep)
    page = client.get(f"/assessments/{made}")
    assert page.status_code == 200
    assert 'id="comment-form"' in page.text
    assert 'id="sign-form"' not in page.text
    sent = client.post(
        f"/assessments/{made}/comment",
        data={
            "csrf": csrf,
            "kind": "appeal",
            "body": "The outage of 2026-05-03 was the carrier's.",
        },
        follow_redirects=True,
    )
    assert sent.status_code == 200
    assert "carrier" in sent.text
    assert client.post(f"/assessments/{made}/sign", data={"csrf": csrf}).status_code == 403
    other = inventory.create_provider(
        session, data=ProviderCreate(code="yun-b", name="乙"), actor=factories.SYSTEM
    )
    session.commit()
    client.cookies.clear()
    sign_in(client, world.users[Role.MANAGER])
    made_b = (
        client.post(
            "/assessments/draft",
            data={
                "csrf": csrf_in(client.get("/assessments").text),
                "provider_id": str(other.id),
                "quarter": "2026Q2",
            },
            follow_redirects=False,
        )
        .headers["location"]
        .rsplit("/", 1)[1]
    )
    client.cookies.clear()
    sign_in(client, rep)
    assert client.get(f"/assessments/{made_b}").status_code == 404


def test_department_answers_the_survey_and_missing_answers_are_marked(
    client: TestClient, session: Session, world: factories.World
) -> None:
    provider_id, _ = _provider_rep(session, world)
    csrf = sign_in(client, world.users[Role.DEPARTMENT_ADMIN])
    assert client.get("/satisfaction").status_code == 200
    partial = client.post(
        "/satisfaction",
        data={
            "csrf": csrf,
            "provider_id": str(provider_id),
            "quarter": "2026Q2",
            "answers.attitude": "5",
        },
    )
    assert partial.status_code == 422
    assert 'id="q-response"' in partial.text
    assert "checked" in partial.text  # the answer given is kept
    answers = {
        f"answers.{q}": "4"
        for q in ("attitude", "response", "resolution", "delivery", "communication")
    }
    done = client.post(
        "/satisfaction",
        data={"csrf": csrf, "provider_id": str(provider_id), "quarter": "2026Q2", **answers},
        follow_redirects=False,
    )
    assert done.status_code == 303
    saved = session.scalars(select(SurveyResponse)).one()
    assert saved.department_id == world.users[Role.DEPARTMENT_ADMIN].department_id


@pytest.mark.parametrize(
    ("locale", "grade", "name"),
    [("zh_CN", "优秀", "城市云甲公司"), ("en", "Excellent", "City Cloud A Ltd")],
)
def test_pdf_report_holds_grade_and_provider_in_each_language(
    client: TestClient, session: Session, world: factories.World, locale: str, grade: str, name: str
) -> None:
    """Catches a report that prints boxes for Chinese (no CJK font embedded) or misses the
    grade: the text is extracted back from the PDF."""
    provider_id, _ = _provider_rep(session, world)
    made = _draft(client, session, world, provider_id)
    session.execute(
        update(User).where(User.id == world.users[Role.MANAGER].id).values(locale=locale)
    )
    session.commit()
    pdf = client.get(f"/assessments/{made}/report.pdf")
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    compact = "".join(text.split())
    assert grade in compact
    assert "".join(name.split()) in compact


@pytest.mark.slow
@pytest.mark.browser
def test_manager_signs_in_the_browser(
    browser: Browser, live_server: str, session: Session, world: factories.World
) -> None:
    """The journey in Chromium: the manager opens the overview, follows the draft, signs after
    the window; the charts load as images without breaking the Content-Security-Policy."""
    provider_id, _ = _provider_rep(session, world)
    from infra.audit.actor import Actor
    from monitoring.assessment import service as assessment_service
    from monitoring.assessment.collectors import monitoring_figures

    row = assessment_service.draft_assessment(
        session,
        provider_id=provider_id,
        quarter="2026Q2",
        actor=Actor("op", None, Role.OPERATOR),
        monitoring=monitoring_figures,
        now=dt.datetime(2026, 7, 2, tzinfo=dt.UTC),
    )
    session.commit()
    page = browser.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if "Content Security" in m.text else None)
    failed: list[str] = []
    page.on("requestfailed", lambda r: failed.append(r.url))
    page.on(
        "response",
        lambda r: failed.append(r.url) if r.status >= 400 and "favicon" not in r.url else None,
    )
    page.goto(f"{live_server}/login")
    page.fill("#f-username", world.users[Role.MANAGER].username)
    page.fill("#f-password", factories.PASSWORD)
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_url(f"{live_server}/")
    page.goto(f"{live_server}/assessments")
    page.click(f"#awaiting a[href='/assessments/{row.id}']")
    assert page.locator("#grade").inner_text().startswith("优秀")
    widths = page.eval_on_selector_all("figure.chart img", "imgs => imgs.map(i => i.naturalWidth)")
    assert widths
    assert all(w > 0 for w in widths)
    page.click("#sign-form button")
    assert "已签批" in page.locator("#status").inner_text()
    assert not problems, problems
    assert not failed, failed
    page.close()


def test_the_overview_downloads_its_csv_with_the_session(
    client: TestClient, session: Session, world: factories.World
) -> None:
    """The overview's Download CSV link answers the signed-in page user (the API's export wants
    a bearer token, so linking there gave every page user a 401); a malformed quarter is 422."""
    provider_id, _ = _provider_rep(session, world)
    _draft(client, session, world, provider_id)
    overview = client.get("/assessments").text
    assert 'href="/assessments/export.csv?quarter=2026Q2"' in overview
    answer = client.get("/assessments/export.csv?quarter=2026Q2")
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/csv")
    assert "城市云甲公司" in answer.content.decode("utf-8-sig")
    assert client.get("/assessments/export.csv?quarter=2026Q9").status_code == 422
