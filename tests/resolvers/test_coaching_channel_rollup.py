"""The (channel, end user) rollup behind a channel's user_count, interaction count and last
activity: kept by PostgreSQL on every insert into interactions, whoever writes it, equal to
what counting the interactions gives."""

from __future__ import annotations

import uuid

from sqlalchemy import text

from models import coaching as m
from models.base import utcnow
from tests.utils.coaching import channel, end_user, interaction, uid

QUERY = (
    "{ channels(first: 10) { edges { node { channelName userCount interactionCount "
    "lastActivityAt } } } }"
)


async def _channels(graphql) -> dict[str, tuple[int, int, str | None]]:
    result = await graphql(QUERY)
    assert result.errors is None, result.errors
    return {
        e["node"]["channelName"]: (
            e["node"]["userCount"],
            e["node"]["interactionCount"],
            e["node"]["lastActivityAt"],
        )
        for e in result.data["channels"]["edges"]
    }


async def test_rollup_follows_every_insert(graphql, upload, sessions, workspace):
    await upload("channels", [channel(1), channel(2, "whatsapp"), channel(3)])
    await upload("end_users", [end_user(1), end_user(2), end_user(3, channel="whatsapp")])
    first = [
        interaction(1, 1, 0, id=str(uuid.UUID(int=1))),
        interaction(1, 1, 5),
        interaction(2, 1, 2),
        interaction(3, 2, 1, channel="whatsapp"),
    ]
    await upload("interactions", first)
    # Again, with the first one repeated (kept once) and one more of user 2.
    await upload("interactions", [first[0], interaction(2, 1, 9)])
    # A writer outside ingestion (a channel adapter recording an incoming message).
    async with sessions.begin() as session:
        session.add(m.Interaction(workspace_id=workspace, id=uuid.uuid4(), user_id=uuid.UUID(
            uid("user", 3)), channel="whatsapp", channel_id=uuid.UUID(uid("channel", 2)),
            interaction_type="message_sent", created_at=utcnow()))  # fmt: skip
    seen = await _channels(graphql)
    async with sessions() as session:
        counted = (await session.execute(text(
            "SELECT c.channel_name, count(DISTINCT i.user_id), count(i.id), max(i.created_at) "
            "FROM channels c LEFT JOIN interactions i ON i.workspace_id = c.workspace_id "
            "AND i.channel_id = c.id WHERE c.workspace_id = :ws GROUP BY 1"),
            {"ws": workspace})).all()  # fmt: skip
    expected = {
        name: (users, n, last.isoformat().replace("+00:00", "Z") if last else None)
        for name, users, n, last in counted
    }
    assert {k: v[:2] for k, v in seen.items()} == {
        "Door 1": (2, 4), "Door 2": (1, 2), "Door 3": (0, 0)
    }  # fmt: skip
    assert {k: v[:2] for k, v in expected.items()} == {k: v[:2] for k, v in seen.items()}
    assert seen["Door 3"][2] is None and seen["Door 1"][2] is not None
