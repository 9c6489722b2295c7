"""PynamoDB models: the one source of truth for every table's keys, indexes and TTL.

Infrastructure, the local table bootstrap and the tests all derive key schemas
from these classes; nothing else spells a key name.

Raw facts (the seed's user_activity_tracking, event_interaction_tracking,
conversion_tracking, performance_tracking and heatmap_data) live in one
``events`` table with a ``kind`` discriminator: one stream feeds the roll-ups,
one pair of sparse indexes serves journeys and deletion, one purge covers them
all. See docs/data-model.md for why.
"""

from __future__ import annotations

from pynamodb.attributes import (
    BinaryAttribute,
    BooleanAttribute,
    JSONAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
    VersionAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, KeysOnlyProjection
from pynamodb.models import Model

from chalicelib.config import get_settings

_settings = get_settings()


def _meta(name: str, stream: bool = False) -> type:
    attrs: dict[str, object] = {
        "table_name": _settings.table_name(name),
        "region": _settings.region,
        "billing_mode": "PAY_PER_REQUEST",
        # Throttling is retried by our own backoff (store.dynamo.with_retry), not hidden in PynamoDB.
        "max_retry_attempts": 2,
    }
    if _settings.dynamodb_endpoint:
        attrs["host"] = _settings.dynamodb_endpoint
    if stream:
        attrs["stream_view_type"] = "NEW_IMAGE"
    return type("Meta", (), attrs)


class _IndexMeta:
    billing_mode = "PAY_PER_REQUEST"


class EventsByUser(GlobalSecondaryIndex["RawEvent"]):
    """Sparse: only events of a signed-in user are projected (journeys, GDPR)."""

    class Meta(_IndexMeta):
        index_name = "by_user"
        projection = AllProjection()

    user_id = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)


class EventsByAnonymousSession(GlobalSecondaryIndex["RawEvent"]):
    """Sparse: only anonymous events carry ``anon_session_id``.

    Together with ``by_user`` every browser event is projected exactly once,
    which keeps the index write cost at one unit per event instead of two.
    """

    class Meta(_IndexMeta):
        index_name = "by_session"
        projection = KeysOnlyProjection()

    anon_session_id = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)


class RawEvent(Model):
    """One tracked fact. ``pk = <kind>/<name>#<yyyy-mm-dd>#<shard>``, ``sk = <iso ts>#<messageId>``."""

    Meta = _meta("events", stream=True)

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    kind = UnicodeAttribute()
    name = UnicodeAttribute()
    ts = UnicodeAttribute()
    message_id = UnicodeAttribute()
    session_id = UnicodeAttribute(null=True)
    anon_session_id = UnicodeAttribute(null=True)
    user_id = UnicodeAttribute(null=True)
    page_url = UnicodeAttribute(null=True)
    page_path = UnicodeAttribute(null=True)
    referrer = UnicodeAttribute(null=True)
    referrer_domain = UnicodeAttribute(null=True)
    data = JSONAttribute(null=True)
    event_id = UnicodeAttribute(null=True)
    value = NumberAttribute(null=True)
    currency = UnicodeAttribute(null=True)
    campaign_id = UnicodeAttribute(null=True)
    utm_source = UnicodeAttribute(null=True)
    utm_medium = UnicodeAttribute(null=True)
    utm_campaign = UnicodeAttribute(null=True)
    utm_term = UnicodeAttribute(null=True)
    utm_content = UnicodeAttribute(null=True)
    endpoint = UnicodeAttribute(null=True)
    method = UnicodeAttribute(null=True)
    response_time = NumberAttribute(null=True)
    status_code = NumberAttribute(null=True)
    error_message = UnicodeAttribute(null=True)
    x = NumberAttribute(null=True)
    y = NumberAttribute(null=True)
    viewport_width = NumberAttribute(null=True)
    viewport_height = NumberAttribute(null=True)
    document_height = NumberAttribute(null=True)
    element_selector = UnicodeAttribute(null=True)
    click_count = NumberAttribute(null=True)
    hover_count = NumberAttribute(null=True)
    scroll_depth = NumberAttribute(null=True)
    browser = UnicodeAttribute(null=True)
    os = UnicodeAttribute(null=True)
    device = UnicodeAttribute(null=True)
    ip_hash = UnicodeAttribute(null=True)
    # The visit's first touch, set at ingest from the session fold (domain.sessions.touches), so
    # roll-ups attribute from the item alone and never read the sessions table.
    touch_campaign = UnicodeAttribute(null=True)
    entry_page = UnicodeAttribute(null=True)
    visit_start = NumberAttribute(null=True)
    expires_at = TTLAttribute()

    by_user = EventsByUser()
    by_session = EventsByAnonymousSession()


class SessionsByUser(GlobalSecondaryIndex["Session"]):
    class Meta(_IndexMeta):
        index_name = "by_user"
        projection = AllProjection()

    user_id = UnicodeAttribute(hash_key=True)
    first_seen = UnicodeAttribute(range_key=True)


class Session(Model):
    """A visit. ``session_id`` is the client's id; a visit resumed after the
    inactivity timeout continues as ``<id>~<n>`` (see domain.sessions)."""

    Meta = _meta("sessions")

    session_id = UnicodeAttribute(hash_key=True)
    segment = NumberAttribute(default=0)
    user_id = UnicodeAttribute(null=True)
    first_seen = UnicodeAttribute()
    last_seen = UnicodeAttribute()
    entry_page = UnicodeAttribute(null=True)
    exit_page = UnicodeAttribute(null=True)
    page_views = NumberAttribute(default=0)
    events = NumberAttribute(default=0)
    engagements = NumberAttribute(default=0)
    duration = NumberAttribute(default=0)
    bounce = BooleanAttribute(default=True)
    referrer = UnicodeAttribute(null=True)
    referrer_domain = UnicodeAttribute(null=True)
    utm_source = UnicodeAttribute(null=True)
    utm_medium = UnicodeAttribute(null=True)
    utm_campaign = UnicodeAttribute(null=True)
    utm_term = UnicodeAttribute(null=True)
    utm_content = UnicodeAttribute(null=True)
    campaign_id = UnicodeAttribute(null=True)
    touch_campaign = UnicodeAttribute(null=True)
    browser = UnicodeAttribute(null=True)
    os = UnicodeAttribute(null=True)
    device = UnicodeAttribute(null=True)
    seen = BinaryAttribute(null=True, legacy_encoding=False)
    version = VersionAttribute()
    expires_at = TTLAttribute()

    by_user = SessionsByUser()


class Dedup(Model):
    """messageId → stored key, only for events sent with a messageId but no timestamp."""

    Meta = _meta("dedup")

    message_id = UnicodeAttribute(hash_key=True)
    event_pk = UnicodeAttribute()
    event_sk = UnicodeAttribute()
    expires_at = TTLAttribute()


class RateLimit(Model):
    """Fixed window counter: ``key = <ip hash>#<window start epoch>``."""

    Meta = _meta("rate_limits")

    key = UnicodeAttribute(hash_key=True)
    count = NumberAttribute(default=0)
    expires_at = TTLAttribute()


class Campaign(Model):
    Meta = _meta("campaigns")

    campaign_id = UnicodeAttribute(hash_key=True)
    campaign_name = UnicodeAttribute()
    campaign_source = UnicodeAttribute(null=True)
    campaign_medium = UnicodeAttribute(null=True)
    campaign_term = UnicodeAttribute(null=True)
    campaign_content = UnicodeAttribute(null=True)
    start_date = UnicodeAttribute(null=True)
    end_date = UnicodeAttribute(null=True)
    is_active = BooleanAttribute(default=True)
    campaign_data = JSONAttribute(null=True)
    created_at = UnicodeAttribute(null=True)


class ExperimentsListing(GlobalSecondaryIndex["Experiment"]):
    """Every experiment under one constant key: listing them (admin, A/B job) is a Query, not a Scan.
    Experiments are few (created by hand), so one partition holds them comfortably."""

    class Meta(_IndexMeta):
        index_name = "listing"
        projection = AllProjection()

    listing = UnicodeAttribute(hash_key=True)
    created_at = UnicodeAttribute(range_key=True)


class Experiment(Model):
    """The seed's ab_testing row, generalised to n variants (``results`` holds them all)."""

    Meta = _meta("experiments")

    experiment_id = UnicodeAttribute(hash_key=True)
    listing = UnicodeAttribute(default="experiment")
    # Required: an index key may not be an empty string.
    created_at = UnicodeAttribute()
    test_name = UnicodeAttribute()
    test_type = UnicodeAttribute(default="feature")
    variants = JSONAttribute()
    conversion_type = UnicodeAttribute(null=True)
    metric = UnicodeAttribute(default="conversion_rate")
    confidence = NumberAttribute(default=0.95)
    min_sample = NumberAttribute(default=150)
    unit = UnicodeAttribute(default="user")
    total_participants = NumberAttribute(default=0)
    variant_a_participants = NumberAttribute(default=0)
    variant_b_participants = NumberAttribute(default=0)
    variant_a_conversions = NumberAttribute(default=0)
    variant_b_conversions = NumberAttribute(default=0)
    variant_a_conversion_rate = NumberAttribute(default=0)
    variant_b_conversion_rate = NumberAttribute(default=0)
    confidence_level = NumberAttribute(default=0)
    winner = UnicodeAttribute(null=True)
    results = JSONAttribute(null=True)
    is_active = BooleanAttribute(default=True)
    start_date = UnicodeAttribute(null=True)
    end_date = UnicodeAttribute(null=True)
    updated_at = UnicodeAttribute(null=True)

    by_listing = ExperimentsListing()


class AssignmentsByUser(GlobalSecondaryIndex["ExperimentAssignment"]):
    class Meta(_IndexMeta):
        index_name = "by_user"
        projection = AllProjection()

    user_id = UnicodeAttribute(hash_key=True)
    experiment_id = UnicodeAttribute(range_key=True)


class ExperimentAssignment(Model):
    """Exposure of one unit (``u:<user>`` or ``s:<session>``) to a variant, recorded once."""

    Meta = _meta("experiment_assignments")

    experiment_id = UnicodeAttribute(hash_key=True)
    unit_id = UnicodeAttribute(range_key=True)
    variant = UnicodeAttribute()
    assigned_at = UnicodeAttribute()
    user_id = UnicodeAttribute(null=True)
    session_id = UnicodeAttribute(null=True)

    by_user = AssignmentsByUser()


class UserEngagement(Model):
    """The seed's user_engagement_metrics."""

    Meta = _meta("user_engagement_metrics")

    user_id = UnicodeAttribute(hash_key=True)
    total_events = NumberAttribute(default=0)
    total_sessions = NumberAttribute(default=0)
    total_page_views = NumberAttribute(default=0)
    total_clicks = NumberAttribute(default=0)
    total_conversions = NumberAttribute(default=0)
    total_conversion_value = NumberAttribute(default=0)
    avg_session_duration = NumberAttribute(default=0)
    last_activity = UnicodeAttribute(null=True)
    first_activity = UnicodeAttribute(null=True)
    # Last engagement-job window folded in: a window re-applied after an interruption changes nothing.
    applied_window = UnicodeAttribute(null=True)


class EventEngagement(Model):
    """The seed's event_engagement_metrics (``event_id`` is a Bilten event)."""

    Meta = _meta("event_engagement_metrics")

    event_id = UnicodeAttribute(hash_key=True)
    total_views = NumberAttribute(default=0)
    total_interactions = NumberAttribute(default=0)
    total_likes = NumberAttribute(default=0)
    total_shares = NumberAttribute(default=0)
    total_bookmarks = NumberAttribute(default=0)
    total_conversions = NumberAttribute(default=0)
    total_conversion_value = NumberAttribute(default=0)
    engagement_rate = NumberAttribute(default=0)
    last_interaction = UnicodeAttribute(null=True)
    first_interaction = UnicodeAttribute(null=True)
    # Last engagement-job window folded in: a window re-applied after an interruption changes nothing.
    applied_window = UnicodeAttribute(null=True)


class Rollup(Model):
    """Packed roll-up buckets (``pk = minute#<day> | hour#all | day#all``, ``sk = <bucket start>``,
    further parts ``<bucket start>#<n>``): compressed counters in ``n`` and one binary attribute
    per sketch (domain/tiers.py). The same table holds chunk markers, the compaction state, hour
    marks for late data, and the day catalog of raw partitions."""

    Meta = _meta("rollups")

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    n = BinaryAttribute(null=True, legacy_encoding=False)
    version = NumberAttribute(null=True)
    expires_at = TTLAttribute(null=True)


class JobCheckpoint(Model):
    """Where a scheduled job (or the demo loader) stopped, so it can resume."""

    Meta = _meta("job_checkpoints")

    job = UnicodeAttribute(hash_key=True)
    position = UnicodeAttribute(null=True)
    state = JSONAttribute(null=True)
    updated_at = UnicodeAttribute(null=True)


ALL_MODELS: tuple[type[Model], ...] = (
    RawEvent,
    Session,
    Dedup,
    RateLimit,
    Campaign,
    Experiment,
    ExperimentAssignment,
    UserEngagement,
    EventEngagement,
    Rollup,
    JobCheckpoint,
)

# Tables that hold facts about a user, for deletion and subject-access export.
RAW_TABLE_MODELS: tuple[type[Model], ...] = (RawEvent,)
