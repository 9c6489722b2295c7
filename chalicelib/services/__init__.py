"""Use cases, one module per area: what the API and the jobs ask the product to do.

A service composes ``store`` reads and writes with ``domain`` rules and returns
plain data; it knows nothing of HTTP (handlers in ``api`` parse, authorise, call
one service and shape the envelope) and raises ``services.errors`` for outcomes
a caller must tell apart (not found, conflict, invalid, rate limited).
"""
