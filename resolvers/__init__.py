"""The graph: Strawberry types, queries and mutations, one module per domain."""
