"""The SDK served at /sdk/bilten.js is the minified build of the readable source, and stays small."""

from __future__ import annotations

import gzip
import hashlib
import re

from chalicelib.api.web import STATIC_DIR

MAX_GZIPPED_BYTES = 6 * 1024


def test_minified_sdk_is_built_from_the_current_source() -> None:
    source = (STATIC_DIR / "bilten.js").read_bytes()
    banner = (STATIC_DIR / "bilten.min.js").read_text(encoding="utf-8").splitlines()[0]
    stamped = re.search(r"sha256:([0-9a-f]{64})", banner)
    assert stamped, banner
    assert stamped.group(1) == hashlib.sha256(source).hexdigest(), "rebuild: cd sdk && npm ci && npm run build"


def test_sdk_minified_and_gzipped_is_at_most_six_kilobytes() -> None:
    minified = (STATIC_DIR / "bilten.min.js").read_bytes()
    size = len(gzip.compress(minified, compresslevel=9))
    print(f"bilten.min.js: {len(minified)} B minified, {size} B gzipped")
    assert size <= MAX_GZIPPED_BYTES
