"""HTML to PDF with WeasyPrint: pages print with the platform's fonts (Debian's
fonts-wqy-microhei for Chinese), charts as data: images, and nothing fetched from outside."""

from __future__ import annotations


def html_to_pdf(html: str) -> bytes:
    """Print ``html``; only ``data:`` URLs are loaded (anything else would be a request to the
    outside world, which a government network may not even reach)."""
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    fetcher = URLFetcher(allowed_protocols=["data"], timeout=5)
    pdf = HTML(string=html, url_fetcher=fetcher).write_pdf()
    assert isinstance(pdf, bytes)
    return pdf
