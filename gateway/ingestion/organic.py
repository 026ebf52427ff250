"""(filled in by its domain work)."""
