"""The quarterly assessment report as PDF, for the page's download and for the CLI alike."""

from __future__ import annotations

from sqlalchemy.orm import Session

from monitoring.assessment import report
from monitoring.assessment.models import ProviderAssessment
from portal_api.web import i18n
from portal_api.web.pdf import html_to_pdf
from portal_api.web.render import environment


def chart_titles(locale: str) -> dict[str, str]:
    _ = i18n.translations(locale).gettext
    return {
        "radar": _("Score by family (share of its weight)"),
        "trend": _("Signed scores by quarter"),
        "comparison": _("All providers this quarter"),
        "timeline": _("Incidents of the quarter"),
        "timeline_x": _("Day of the quarter"),
        "timeline_y": _("Hours to recover"),
    }


def assessment_html(
    session: Session, row: ProviderAssessment, *, locale: str, timezone: str
) -> str:
    """The report page; times in ``timezone`` (``Settings.display_timezone``)."""
    built = report.build(session, assessment=row, locale=locale, titles=chart_titles(locale))
    template = environment(locale, timezone).get_template("assessments/report.html")
    return template.render(a=row, report=built, charts=built.chart_uris())


def assessment_pdf(
    session: Session, row: ProviderAssessment, *, locale: str, timezone: str
) -> bytes:
    return html_to_pdf(assessment_html(session, row, locale=locale, timezone=timezone))
