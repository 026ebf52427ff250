"""SQL keeping `platform_activity_gaps` and `platform_retention_cells` (models/
platform_rollups.py) current as activity arrives, in the write transaction, plus the same
numbers recomputed from scratch (`REBUILD`, see rollup_rebuild.py), which tests compare with
the incremental ones.

A per-day table (platform_user_days, character_days, character_user_days) is the set of
(subject, day) pairs of a kind. When a batch adds pairs, each new pair gets a gap row at
(day, previous day of the subject), and the subject's next existing day moves from its old
previous day to the new pair's day. All of it is one statement: the rows the upsert creates
come back through RETURNING, and the statement's snapshot still shows the pairs that existed
before it, so "new" and "existing" never overlap, whatever order batches arrive in.

Concurrent batches: a batch touching a user or a character has already updated that user's
(platform_users.last_active_at) or character's (character_stats) row earlier in its
transaction, so a second batch touching the same subject waits for it to commit and then
sees its days (tests/ingestion/test_activity_rollups.py holds this in place).
"""

from __future__ import annotations

from dataclasses import dataclass

ZONE = "(SELECT coalesce(settings->>'timezone', 'UTC') AS tz FROM workspaces WHERE id = :ws) z"
WS = "CAST(:ws AS varchar)"

# Retention periods: (span in days, how many periods after registration are kept).
# Span 1 goes to 30 for the day-1/7/14/30 rates; the cohort tables use 1..7, 1..4 and 1..3.
SPANS = ((1, 30), (7, 4), (30, 3))


@dataclass(frozen=True)
class Kind:
    """A set of (subject, day) pairs: rows of `table`, or those with `column` > 0."""

    name: str
    table: str
    subject: tuple[str, ...]
    column: str | None = None

    def existing(self) -> str:
        """The pairs already stored for the subjects of `new_<name>` (the snapshot). Written
        as a join from the distinct subjects so that the planner probes the table's
        (subject, day) index per subject rather than filtering one against the other."""
        columns = ", ".join(self.subject)
        on = " AND ".join(f"e.{c} = t.{c}" for c in self.subject)
        keep = f" AND e.{self.column} > 0" if self.column else ""
        return (
            f"SELECT {_subject('e', self.subject)} AS subject, e.day "
            f"FROM (SELECT DISTINCT {columns} FROM new_{self.name}) t "
            f"JOIN {self.table} e ON e.workspace_id = :ws AND {on}{keep}"
        )


def _subject(alias: str, columns: tuple[str, ...]) -> str:
    return " || ' ' || ".join(f"{alias}.{c}" for c in columns)


USERS = Kind("user", "platform_user_days", ("user_id",))
USER_MESSAGES = Kind("user_messages", "platform_user_days", ("user_id",), "messages")
USER_IMAGES = Kind("user_images", "platform_user_days", ("user_id",), "images")
CHARACTERS = Kind("character", "character_days", ("character_id",))
PAIRS = Kind("character_user", "character_user_days", ("character_id", "user_id"))
KINDS = (USERS, USER_MESSAGES, USER_IMAGES, CHARACTERS, PAIRS)


def gaps(kind: Kind) -> str:
    """CTEs writing the gap changes for the pairs in `new_<kind>` (columns: subject keys, day)."""
    n = kind.name
    return f"""
{n}_seq AS (
  SELECT day, is_new,
    coalesce(lag(day) OVER w, '-infinity') AS prev_after,
    coalesce(max(day) FILTER (WHERE NOT is_new)
      OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), '-infinity') AS prev_before
  FROM (SELECT {_subject("x", kind.subject)} AS subject, x.day, TRUE AS is_new FROM new_{n} x
        UNION ALL SELECT subject, day, FALSE FROM ({kind.existing()}) e) pairs
  WINDOW w AS (PARTITION BY subject ORDER BY day)
),
{n}_delta AS (
  SELECT day, prev_after AS prev_day, 1 AS n FROM {n}_seq
  WHERE is_new OR prev_before <> prev_after
  UNION ALL
  SELECT day, prev_before, -1 FROM {n}_seq WHERE NOT is_new AND prev_before <> prev_after
),
{n}_write AS (
  INSERT INTO platform_activity_gaps AS g (workspace_id, kind, day, prev_day, subjects)
  SELECT {WS}, '{n}', day, prev_day, sum(n) FROM {n}_delta
  GROUP BY day, prev_day HAVING sum(n) <> 0
  ON CONFLICT (workspace_id, kind, day, prev_day)
    DO UPDATE SET subjects = g.subjects + EXCLUDED.subjects
)"""


_SPANS = ", ".join(f"({span}, {periods})" for span, periods in SPANS)

# Retention cells for the users' new active days in `new_user`: a cell gains a user when
# none of the user's existing days falls in its period.
RETENTION = f"""
registered AS (
  SELECT u.id AS user_id, (u.created_at AT TIME ZONE z.tz)::date AS day
  FROM (SELECT DISTINCT user_id FROM new_user) t
  JOIN platform_users u ON u.workspace_id = :ws AND u.id = t.user_id CROSS JOIN {ZONE}
),
cells AS (
  SELECT DISTINCT n.user_id, r.day AS registered_on, s.span, (n.day - r.day) / s.span AS k
  FROM new_user n JOIN registered r ON r.user_id = n.user_id
  CROSS JOIN (VALUES {_SPANS}) AS s(span, periods)
  WHERE n.day > r.day AND (n.day - r.day) / s.span BETWEEN 1 AND s.periods
),
cells_write AS (
  INSERT INTO platform_retention_cells AS c (workspace_id, registered_on, span, k, users)
  SELECT {WS}, registered_on, span, k, count(*) FROM cells x
  WHERE NOT EXISTS (
    SELECT 1 FROM platform_user_days d WHERE d.workspace_id = :ws AND d.user_id = x.user_id
    AND d.day BETWEEN x.registered_on + x.k * x.span AND x.registered_on + x.k * x.span + x.span - 1
  )
  GROUP BY registered_on, span, k
  ON CONFLICT (workspace_id, registered_on, span, k) DO UPDATE SET users = c.users + EXCLUDED.users
)"""


# A user whose local registration day changes (an upsert with another created_at) takes
# their returns out of the old day's cells and into the new day's.
REGISTRATION_MOVES = f"""
WITH moved AS (
  SELECT n.id AS user_id, (o.created_at AT TIME ZONE z.tz)::date AS old_day,
         (n.created_at AT TIME ZONE z.tz)::date AS new_day
  FROM {{ins}} n JOIN {{old}} o ON o.id = n.id CROSS JOIN {ZONE}
  WHERE (o.created_at AT TIME ZONE z.tz)::date <> (n.created_at AT TIME ZONE z.tz)::date
),
changes AS (
  SELECT DISTINCT m.user_id, r.registered_on, s.span, (d.day - r.registered_on) / s.span AS k,
         s.periods, r.sign
  FROM moved m
  CROSS JOIN LATERAL (VALUES (m.old_day, -1), (m.new_day, 1)) AS r(registered_on, sign)
  JOIN platform_user_days d ON d.workspace_id = :ws AND d.user_id = m.user_id
    AND d.day > r.registered_on
  CROSS JOIN (VALUES {_SPANS}) AS s(span, periods)
)
INSERT INTO platform_retention_cells AS c (workspace_id, registered_on, span, k, users)
SELECT {WS}, registered_on, span, k, sum(sign) FROM changes WHERE k BETWEEN 1 AND periods
GROUP BY registered_on, span, k HAVING sum(sign) <> 0
ON CONFLICT (workspace_id, registered_on, span, k) DO UPDATE SET users = c.users + EXCLUDED.users
"""


def tracked_per_day(table: str, key: str, time_column: str, column: str, rows: str = "TRUE") -> str:
    """Count the batch's rows (those `rows` holds for) per (local day, key) into
    `table.column`, then bring the gaps (and, for users, the retention cells) of every kind
    read from `table` up to date."""
    kinds = [k for k in KINDS if k.table == table and k.column in (None, column)]
    new = []
    for kind in kinds:
        if kind.column is None:  # a row the upsert created
            new.append(f"new_{kind.name} AS (SELECT {key}, day FROM up WHERE created)")
        else:  # a row whose column was 0 before: it now holds just this batch's count
            new.append(
                f"new_{kind.name} AS (SELECT up.{key}, up.day FROM up "
                f"JOIN src ON src.{key} = up.{key} AND src.day = up.day WHERE up.value = src.n)"
            )
    ctes = [*new, *(gaps(kind) for kind in kinds)]
    if USERS in kinds:
        ctes.append(RETENTION)
    return f"""
WITH src AS (
  SELECT (i.{time_column} AT TIME ZONE z.tz)::date AS day, i.{key}, count(*) AS n
  FROM {{ins}} i CROSS JOIN {ZONE}
  WHERE i._inserted AND i.{key} IS NOT NULL AND {rows} GROUP BY 1, 2
),
up AS (
  INSERT INTO {table} AS d (workspace_id, day, {key}, {column})
  SELECT {WS}, day, {key}, n FROM src
  ON CONFLICT (workspace_id, day, {key}) DO UPDATE SET {column} = d.{column} + EXCLUDED.{column}
  RETURNING d.day, d.{key}, (d.xmax = 0) AS created, d.{column} AS value
),
{",".join(ctes)}
SELECT count(*) FROM up
"""


# --- from scratch ---------------------------------------------------------------------------


def _rebuild_gaps(kind: Kind) -> str:
    keep = f" AND {kind.column} > 0" if kind.column else ""
    return f"""
INSERT INTO platform_activity_gaps (workspace_id, kind, day, prev_day, subjects)
SELECT {WS}, '{kind.name}', day, prev_day, count(*) FROM (
  SELECT day, coalesce(lag(day) OVER (PARTITION BY {", ".join(kind.subject)} ORDER BY day),
                       '-infinity') AS prev_day
  FROM {kind.table} WHERE workspace_id = :ws{keep}
) t GROUP BY day, prev_day
"""


_REBUILD_CELLS = f"""
INSERT INTO platform_retention_cells (workspace_id, registered_on, span, k, users)
SELECT {WS}, registered_on, span, k, count(DISTINCT user_id) FROM (
  SELECT d.user_id, r.day AS registered_on, s.span, (d.day - r.day) / s.span AS k, s.periods
  FROM platform_user_days d
  JOIN (SELECT u.id, (u.created_at AT TIME ZONE z.tz)::date AS day
        FROM platform_users u CROSS JOIN {ZONE} WHERE u.workspace_id = :ws) r ON r.id = d.user_id
  CROSS JOIN (VALUES {_SPANS}) AS s(span, periods)
  WHERE d.workspace_id = :ws AND d.day > r.day
) t WHERE k BETWEEN 1 AND periods GROUP BY registered_on, span, k
"""

REBUILD = (
    "DELETE FROM platform_activity_gaps WHERE workspace_id = :ws",
    "DELETE FROM platform_retention_cells WHERE workspace_id = :ws",
    *(_rebuild_gaps(kind) for kind in KINDS),
    _REBUILD_CELLS,
)
