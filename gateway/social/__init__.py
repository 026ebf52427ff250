"""Spec 004's business rules for writes (posts, campaigns, settings), shared by the graph's
mutations and the jobs: each function runs in the caller's transaction and records the
domain events the write causes in that same transaction."""
