"""Visitor hashing (daily salt), user-agent facts and bot detection, campaign facts."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain.privacy import daily_salt, ip_hash, visitor_hash
from chalicelib.domain.useragent import parse_user_agent
from chalicelib.domain.utm import campaign_facts

SECRET = "unit-test-ip-hash-secret-0123456789"


def test_ip_hash_is_stable_within_a_day_and_changes_across_days() -> None:
    today = ip_hash(SECRET, "2024-01-15", "203.0.113.9")
    assert today == ip_hash(SECRET, "2024-01-15", "203.0.113.9")
    assert today != ip_hash(SECRET, "2024-01-16", "203.0.113.9")
    assert daily_salt(SECRET, "2024-01-15") != daily_salt(SECRET, "2024-01-16")


def test_ip_hash_depends_on_the_server_key() -> None:
    assert ip_hash(SECRET, "2024-01-15", "203.0.113.9") != ip_hash(SECRET + "x", "2024-01-15", "203.0.113.9")


def test_visitor_hash_separates_user_agents() -> None:
    assert visitor_hash(SECRET, "2024-01-15", "203.0.113.9", "A") != visitor_hash(
        SECRET, "2024-01-15", "203.0.113.9", "B"
    )


@given(st.ip_addresses().map(str), st.dates().map(str))
def test_hash_never_contains_the_ip(ip: str, day: str) -> None:
    digest = ip_hash(SECRET, day, ip)
    assert len(digest) == 32 and int(digest, 16) >= 0
    assert ip not in digest


USER_AGENTS = [
    (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36",
        ("Chrome", "Windows", "desktop", False),
    ),
    (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Version/17.1 Mobile/15E148 Safari/604.1",
        ("Mobile Safari", "iOS", "mobile", False),
    ),
    (
        "Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Version/16.6 Mobile/15E148 Safari/604.1",
        ("Mobile Safari", "iOS", "tablet", False),
    ),
    (
        "Mozilla/5.0 (Linux; Android 13; SM-X700) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0 Safari/537.36",
        ("Chrome", "Android", "tablet", False),
    ),
]


@pytest.mark.parametrize(("agent", "expected"), USER_AGENTS)
def test_user_agent_facts(agent: str, expected: tuple[str, str, str, bool]) -> None:
    facts = parse_user_agent(agent)
    assert (facts.browser, facts.os, facts.device, facts.is_bot) == expected


@pytest.mark.parametrize(
    "agent",
    [
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0 Safari/537.36",
        "curl/8.4.0",
        "python-requests/2.31.0",
    ],
)
def test_bots_are_recognised(agent: str) -> None:
    facts = parse_user_agent(agent)
    assert facts.is_bot and facts.device == "bot"


def test_missing_user_agent_is_not_a_bot() -> None:
    facts = parse_user_agent(None)
    assert (facts.browser, facts.device, facts.is_bot) == ("Other", "unknown", False)


def test_utm_from_page_url_and_overrides_from_data() -> None:
    facts = campaign_facts(
        "https://bilten.com/events?utm_source=news&utm_medium=email&utm_campaign=summer&utm_term=&x=1",
        {"utmCampaign": "summer-b", "utm_content": "hero"},
        None,
    )
    assert facts.utm == {"source": "news", "medium": "email", "campaign": "summer-b", "content": "hero"}
    assert facts.page_path == "/events"


@pytest.mark.parametrize(
    ("referrer", "domain"),
    [("google.com", "google.com"), ("https://www.google.com/search?q=x", "google.com"), ("   ", None)],
)
def test_referrer_domain(referrer: str, domain: str | None) -> None:
    assert campaign_facts(None, {"referrer": referrer}, None).referrer_domain == domain


def test_explicit_referrer_wins_over_event_data() -> None:
    facts = campaign_facts("https://bilten.com/", {"referrer": "a.com"}, "https://b.com/x")
    assert (facts.referrer, facts.referrer_domain) == ("https://b.com/x", "b.com")


def test_values_are_bounded() -> None:
    facts = campaign_facts(f"https://bilten.com/?utm_source={'s' * 500}", {"referrer": "r" * 5000}, None)
    assert len(facts.utm["source"]) == 256
    assert facts.referrer is not None and len(facts.referrer) == 2048


def test_no_page_no_data() -> None:
    facts = campaign_facts(None, None, None)
    assert (facts.utm, facts.referrer, facts.page_path) == ({}, None, None)
    assert campaign_facts("https://bilten.com", None, None).page_path == "/"
