"""HTML to PDF with WeasyPrint: pages print with the platform's fonts (Debian's
fonts-wqy-microhei for Chinese), charts as data: images, and nothing fetched from outside."""

from __future__ import annotations

from typing import Any


def _no_fetch(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    """Only data: URLs are loaded; anything else would be a request to the outside world."""
    if url.startswith("data:"):
        from weasyprint.urls import default_url_fetcher

        result: dict[str, Any] = default_url_fetcher(url, *args, **kwargs)
        return result
    raise ValueError(f"refusing to fetch {url!r} while printing")


def html_to_pdf(html: str) -> bytes:
    from weasyprint import HTML

    pdf = HTML(string=html, url_fetcher=_no_fetch).write_pdf()
    assert isinstance(pdf, bytes)
    return pdf
