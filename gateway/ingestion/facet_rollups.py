"""SQL keeping `platform_user_facets` and `platform_character_facets` (models/
platform_rollups.py) current: an upserted row adds 1 to each of its facets and its pre-image
(`{old}`) takes 1 away from the old ones, so edits move counts instead of doubling them.
`REBUILD` recomputes both from the entity tables."""

from __future__ import annotations

from gateway.ingestion.activity_rollups import WS, ZONE

_USER_COLUMNS = "created_at, is_temporary, language, gender, country, region"
_USER_FACETS = """(VALUES ('all', ''),
  ('registered', CASE WHEN NOT c.is_temporary THEN '' END),
  ('language', coalesce(c.language, '')), ('gender', coalesce(c.gender, '')),
  ('country', coalesce(c.country, '')), ('region', coalesce(c.region, ''))) v(facet, value)"""

USERS = f"""
WITH changes AS (
  SELECT {_USER_COLUMNS}, 1 AS n FROM {{ins}}
  UNION ALL SELECT {_USER_COLUMNS}, -1 FROM {{old}}
)
INSERT INTO platform_user_facets AS f (workspace_id, registered_on, facet, value, users)
SELECT {WS}, (c.created_at AT TIME ZONE z.tz)::date, v.facet, v.value, sum(c.n)
FROM changes c CROSS JOIN {ZONE} CROSS JOIN LATERAL {_USER_FACETS}
WHERE v.value IS NOT NULL GROUP BY 2, 3, 4 HAVING sum(c.n) <> 0
ON CONFLICT (workspace_id, registered_on, facet, value)
  DO UPDATE SET users = f.users + EXCLUDED.users
"""

_CHARACTER_COLUMNS = (
    "is_public, is_nsfw, gender, category, tags, review_status, is_flagged, creator_id"
)
_CHARACTER_FACETS = """(VALUES ('all', ''),
  ('public', CASE WHEN c.is_public THEN '' END), ('nsfw', CASE WHEN c.is_nsfw THEN '' END),
  ('gender', coalesce(c.gender, '')), ('category', coalesce(lower(c.category), '')),
  ('pending_review', CASE WHEN c.review_status = 'pending' THEN '' END),
  ('flagged', CASE WHEN c.is_flagged THEN '' END),
  ('with_creator', CASE WHEN c.creator_id IS NOT NULL THEN '' END)) v(facet, value)"""


def _character_counts(source: str) -> str:
    """(facet, value, n) rows of `source` (columns as in characters, plus n)."""
    return f"""
SELECT v.facet, v.value, c.n FROM {source} c CROSS JOIN LATERAL {_CHARACTER_FACETS}
WHERE v.value IS NOT NULL
UNION ALL SELECT 'tag', t.tag, c.n FROM {source} c CROSS JOIN LATERAL unnest(c.tags) AS t(tag)
"""


CHARACTERS = f"""
WITH changes AS (
  SELECT {_CHARACTER_COLUMNS}, 1 AS n FROM {{ins}}
  UNION ALL SELECT {_CHARACTER_COLUMNS}, -1 FROM {{old}}
)
INSERT INTO platform_character_facets AS f (workspace_id, facet, value, characters)
SELECT {WS}, facet, value, sum(n) FROM ({_character_counts("changes")}) x
GROUP BY facet, value HAVING sum(n) <> 0
ON CONFLICT (workspace_id, facet, value)
  DO UPDATE SET characters = f.characters + EXCLUDED.characters
"""

REBUILD = (
    "DELETE FROM platform_user_facets WHERE workspace_id = :ws",
    f"""
INSERT INTO platform_user_facets (workspace_id, registered_on, facet, value, users)
SELECT {WS}, (c.created_at AT TIME ZONE z.tz)::date, v.facet, v.value, count(*)
FROM platform_users c CROSS JOIN {ZONE} CROSS JOIN LATERAL {_USER_FACETS}
WHERE c.workspace_id = :ws AND v.value IS NOT NULL GROUP BY 2, 3, 4
""",
    "DELETE FROM platform_character_facets WHERE workspace_id = :ws",
    f"""
INSERT INTO platform_character_facets (workspace_id, facet, value, characters)
SELECT {WS}, facet, value, sum(n) FROM ({
        _character_counts(
            f"(SELECT {_CHARACTER_COLUMNS}, 1 AS n FROM characters WHERE workspace_id = :ws)"
        )
    }) x GROUP BY facet, value
""",
)
