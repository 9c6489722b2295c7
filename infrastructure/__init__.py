"""Deployable definition of everything outside the Lambda code (see docs/deploy.md)."""
