"""User agent → coarse browser/OS/device facts, and bot detection.

ua-parser's regex set is large (first parse ≈ 100 ms to compile, then < 1 ms);
browsers repeat the same few strings, so results are cached per string.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from ua_parser import parse

_EXTRA_BOTS = re.compile(
    r"bot\b|crawler|spider|slurp|headlesschrome|phantomjs|puppeteer|lighthouse|curl/|wget/|python-requests|"
    r"httpclient|go-http-client|okhttp|scrapy",
    re.IGNORECASE,
)
_MOBILE = re.compile(r"Mobile|iPhone|Android.*Mobile|Windows Phone", re.IGNORECASE)
_TABLET = re.compile(r"iPad|Tablet|Android(?!.*Mobile)", re.IGNORECASE)


@dataclass(frozen=True)
class UserAgentFacts:
    browser: str
    os: str
    device: str
    is_bot: bool


@lru_cache(maxsize=4096)
def parse_user_agent(user_agent: str | None) -> UserAgentFacts:
    if not user_agent:
        return UserAgentFacts(browser="Other", os="Other", device="unknown", is_bot=False)
    result = parse(user_agent[:1024])
    browser = result.user_agent.family if result.user_agent else "Other"
    os_family = result.os.family if result.os else "Other"
    is_bot = bool(result.device and result.device.family == "Spider") or bool(_EXTRA_BOTS.search(user_agent))
    if is_bot:
        device = "bot"
    elif _TABLET.search(user_agent):
        device = "tablet"
    elif _MOBILE.search(user_agent):
        device = "mobile"
    else:
        device = "desktop"
    return UserAgentFacts(browser=browser, os=os_family, device=device, is_bot=is_bot)
