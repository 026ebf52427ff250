"""Identity: dashboard accounts, passwords, JWTs, refresh-token families and API keys."""
