"""Webhooks: Standard Webhooks signatures, the SSRF guard, delivery through procrastinate."""
