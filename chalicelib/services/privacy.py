"""Privacy: a user's right to erasure and to access, over everything held about them.

``store.privacy`` finds the user's items through indexes (never a scan); this
module is the use case the API and the CLI call.
"""

from __future__ import annotations

from typing import Any

from chalicelib.observability import logger
from chalicelib.store import privacy as store


def delete_user(user_id: str, by_role: str) -> dict[str, Any]:
    """Delete every item about the user; safe to repeat. Answers how many items per table."""
    removed = store.delete_user(user_id)
    logger.info("user data deleted", extra={"by_role": by_role, "removed": removed})
    return {"userId": user_id, "removed": removed, "totalRemoved": sum(removed.values())}


def export_user(user_id: str) -> dict[str, Any]:
    """Subject access: every item held about the user, as plain JSON."""
    return store.export_user(user_id)
