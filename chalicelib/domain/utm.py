"""Campaign facts from the page URL, the event data and the referrer."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

UTM_FIELDS = ("source", "medium", "campaign", "term", "content")


@dataclass(frozen=True)
class CampaignFacts:
    utm: dict[str, str]
    referrer: str | None
    referrer_domain: str | None
    page_path: str | None


def _domain(value: str) -> str | None:
    text = value.strip()
    if not text:
        return None
    if "://" not in text:
        text = "//" + text
    host = urlsplit(text).hostname
    return host.removeprefix("www.") if host else None


def campaign_facts(page_url: str | None, data: dict | None, referrer: str | None) -> CampaignFacts:
    """UTM parameters from the URL query, overridden by explicit ``utm_*``/``utmSource`` keys in data."""
    utm: dict[str, str] = {}
    path = None
    if page_url:
        parts = urlsplit(page_url)
        path = parts.path or "/"
        query = parse_qs(parts.query)
        for field in UTM_FIELDS:
            values = query.get(f"utm_{field}")
            if values and values[0]:
                utm[field] = values[0][:256]
    data = data or {}
    for field in UTM_FIELDS:
        for key in (f"utm_{field}", f"utm{field.capitalize()}"):
            value = data.get(key)
            if isinstance(value, str) and value:
                utm[field] = value[:256]
    ref = referrer or (data.get("referrer") if isinstance(data.get("referrer"), str) else None)
    ref = ref[:2048] if ref else None
    return CampaignFacts(utm=utm, referrer=ref, referrer_domain=_domain(ref) if ref else None, page_path=path)
