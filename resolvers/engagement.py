"""(this domain's types and queries are added by its domain work)."""
