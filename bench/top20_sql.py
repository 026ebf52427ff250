"""The README's top-20 query against one hand-written SQL statement returning the same JSON.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/<a demo database> \
        .venv/bin/python bench/top20_sql.py --rounds 10 --per-round 30

One gateway (production settings, one worker) on 127.0.0.1; the answers are checked equal
first; then rounds alternate: `--per-round` sequential HTTP requests (keep-alive, from this
process, bench/lean_http.py: httpx would add about 0.5 ms of its own Python to each), then
as many executions of the statement on one asyncpg connection. Prints the
p50 of each, their ratio, and the SQL statements one request runs (counted in process).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time
from typing import Any

import asyncpg
import orjson
from lean_http import LeanClient
from read_path import TOP20, _api_key
from servers import fleet, gateway

from gateway.database import plain_url

CURSOR = (
    "rtrim(translate(encode(convert_to('[' || p.tm::text || ',' || to_json(p.id::text)::text"
    " || ']', 'UTF8'), 'base64'), E'+/\\n', '-_'), '=')"
)
SQL = f"""
WITH page AS (
  SELECT c.id, c.name, c.category, c.is_nsfw, c.creator_id,
         coalesce(s.total_messages, 0) AS tm, coalesce(s.unique_users, 0) AS uu,
         coalesce(s.favorites, 0) AS fav, coalesce(s.images_generated, 0) AS ig,
         row_number() OVER (ORDER BY coalesce(s.total_messages, 0) DESC, c.id DESC) AS n
  FROM characters c
  LEFT JOIN character_stats s ON s.workspace_id = c.workspace_id AND s.character_id = c.id
  WHERE c.workspace_id = $1
  ORDER BY tm DESC, c.id DESC LIMIT 21)
SELECT json_build_object('characters', json_build_object(
  'totalCount', (SELECT count(*) FROM characters WHERE workspace_id = $1),
  'nodes', (SELECT json_agg(json_build_object(
      'id', p.id, 'name', p.name, 'category', p.category, 'isNsfw', p.is_nsfw,
      'totalMessages', p.tm, 'uniqueUsers', p.uu, 'favorites', p.fav, 'imagesGenerated', p.ig,
      'creator', (SELECT json_build_object('id', cr.id, 'username', cr.username,
                    'followers', coalesce(cs.followers, 0),
                    'charactersCount', coalesce(cs.characters_count, 0),
                    'totalMessages', coalesce(cs.total_messages, 0),
                    'earnings', coalesce(cs.earnings, 0)::text)
                  FROM creators cr
                  LEFT JOIN creator_stats cs
                    ON cs.workspace_id = cr.workspace_id AND cs.creator_id = cr.id
                  WHERE cr.workspace_id = $1 AND cr.id = p.creator_id)) ORDER BY p.n)
    FROM page p WHERE p.n <= 20),
  'pageInfo', json_build_object(
    'hasNextPage', (SELECT count(*) FROM page) > 20,
    'endCursor', (SELECT {CURSOR} FROM page p WHERE p.n = least((SELECT count(*) FROM page), 20)))
))::text
"""


async def measure(args: argparse.Namespace) -> None:
    url = plain_url(args.database_url)
    key = await _api_key(url)
    body = orjson.dumps({"query": TOP20})
    connection = await asyncpg.connect(url)
    workspace = "ws_default"
    with fleet([gateway("gateway", url)]) as (server,):
        client = LeanClient(server.url, headers={"authorization": f"Bearer {key}"})
        try:
            answer = orjson.loads((await client.post("/graphql", body))[3])["data"]
            direct = orjson.loads(await connection.fetchval(SQL, workspace))
            if answer != direct:
                raise SystemExit(f"answers differ:\n{answer}\n{direct}")
            http, sql = [], []
            for _ in range(10):  # warm
                await client.post("/graphql", body)
                await connection.fetchval(SQL, workspace)
            for _ in range(args.rounds):
                for _ in range(args.per_round):
                    status, _, ms, _ = await client.post("/graphql", body)
                    if status != 200:
                        raise SystemExit(f"the gateway answered {status}")
                    http.append(ms / 1000)
                for _ in range(args.per_round):
                    started = time.perf_counter()
                    await connection.fetchval(SQL, workspace)
                    sql.append(time.perf_counter() - started)
        finally:
            await client.aclose()
    await connection.close()
    a, b = statistics.median(http) * 1000, statistics.median(sql) * 1000
    print(f"top20: gateway p50 {a:.2f} ms / hand-written SQL p50 {b:.2f} ms = {a / b:.2f}x "
          f"({len(http)} each); load average {os.getloadavg()[0]:.2f}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--per-round", type=int, default=30)
    args: Any = parser.parse_args()
    asyncio.run(measure(args))


if __name__ == "__main__":
    main()
