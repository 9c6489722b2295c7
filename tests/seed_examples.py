"""The seed specification's example request bodies, verbatim: shared by the integration and end-to-end tests."""

from __future__ import annotations

from typing import Any

SEED_BODIES: dict[str, dict[str, Any]] = {
    "activity": {
        "eventType": "page_view",
        "sessionId": "session-123",
        "pageUrl": "https://bilten.com/events",
        "eventData": {"referrer": "google.com", "searchTerm": "music events"},
    },
    "event-interaction": {
        "eventId": "event-uuid",
        "interactionType": "view",
        "sessionId": "session-123",
        "interactionData": {"duration": 45, "scrollDepth": 75},
    },
    "conversion": {
        "conversionType": "purchase",
        "conversionValue": 99.99,
        "sessionId": "session-123",
        "campaignId": "summer2024",
        "conversionData": {"orderId": "order-123", "ticketCount": 2},
    },
    "performance": {"endpoint": "/api/v1/events", "responseTime": 245, "statusCode": 200, "errorMessage": None},
    "heatmap": {
        "pageUrl": "https://bilten.com/events",
        "xPosition": 150,
        "yPosition": 200,
        "elementSelector": ".event-card",
        "clickCount": 1,
        "hoverCount": 3,
        "scrollDepth": 75,
        "sessionId": "session-123",
    },
}

SEED_FUNNEL: dict[str, Any] = {
    "funnelSteps": [
        {"name": "Page View", "eventType": "page_view"},
        {"name": "Event View", "eventType": "event_view"},
        {"name": "Add to Cart", "eventType": "add_to_cart"},
        {"name": "Purchase", "eventType": "purchase"},
    ],
    "timeRange": "30d",
    "filters": {},
}
