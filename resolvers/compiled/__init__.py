"""The compiled read path: a validated query whose fields are all known here is planned
once per document into one SQL statement that builds the `data` JSON in PostgreSQL, and
answered without graphql-core's execution; anything else runs through Strawberry's
executor unchanged (registry.py says what is known; planner.py, sql.py and executor.py
build and run it; projection.py answers the other roots by running their resolvers, and
those of the fields they select, without graphql-core: analytics numbers, offset pages,
per-item totals through loaders)."""
