"""Character window totals: recomputed on the first read of a new local day, kept exact by
ingestion in between, and ranking exactly as summing character_days does."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import text

from models.analytics import characters, engagement, window_totals
from models.analytics.window import Frame
from tests.utils.builders import at, character, user

NOW = datetime.fromisoformat(at(10))  # Mar 11 12:00 UTC


def _messages(char_n: int, user_n: int, day: float, count: int) -> list[dict]:
    return [
        {"user_id": f"user_{user_n}", "character_id": f"char_{char_n}", "created_at": at(day)}
    ] * count


@pytest.fixture
async def cast(upload):  # type: ignore[no-untyped-def]
    await upload("users", [user(n) for n in range(1, 4)])
    await upload("characters", [character(n, None, is_nsfw=n == 4) for n in range(1, 7)])
    # In the last 7 days (Mar 5-11): char_2 5, char_4 4, char_1 2; char_3 only 20 days ago.
    await upload(
        "messages",
        _messages(2, 1, 9, 5)
        + _messages(4, 2, 8, 4)
        + _messages(1, 3, 5, 2)
        + _messages(3, 1, -10, 9),
    )


async def _state(sessions, workspace: str) -> dict[int, object]:  # type: ignore[no-untyped-def]
    async with sessions() as session:
        found = await session.execute(
            text("SELECT days, as_of FROM character_window_state WHERE workspace_id = :ws"),
            {"ws": workspace},
        )
        return dict(found.all())


async def _top(sessions, frame: Frame, **kw) -> list[str]:  # type: ignore[no-untyped-def]
    async with sessions() as session:
        found = await characters.top_characters(
            session, frame.last_days(7), sort_by="messages", limit=10, page=1, **kw
        )
        return [c["id"] for c in found["characters"]]


async def test_totals_are_recomputed_once_a_day_and_kept_by_uploads(
    cast, upload, sessions, workspace, monkeypatch
):  # type: ignore[no-untyped-def]
    frame = Frame(workspace, "UTC", NOW)
    assert await _state(sessions, workspace) == {}
    assert await _top(sessions, frame, nsfw="all") == [
        "char_2",
        "char_4",
        "char_1",
        "char_3",
        "char_5",
        "char_6",
    ]
    assert await _state(sessions, workspace) == {7: frame.today}

    # Uploads land in the current totals: char_1 overtakes char_2; a message from before
    # the window changes nothing.
    await upload("messages", _messages(1, 2, 7, 4) + _messages(6, 1, -1, 3))
    with_totals = await _top(sessions, frame, nsfw="false")
    assert with_totals == ["char_1", "char_2", "char_3", "char_5", "char_6"]
    monkeypatch.setattr(window_totals, "usable", _never)
    assert await _top(sessions, frame, nsfw="false") == with_totals

    # The next day, the first read moves the window on (char_1's Mar 5 messages fall out).
    monkeypatch.undo()
    tomorrow = Frame(workspace, "UTC", NOW + timedelta(days=1))
    assert (await _top(sessions, tomorrow, nsfw="all"))[:3] == ["char_1", "char_2", "char_4"]
    assert await _state(sessions, workspace) == {7: tomorrow.today}


async def test_kept_totals_equal_recomputed_ones(cast, upload, sessions, workspace):  # type: ignore[no-untyped-def]
    frame = Frame(workspace, "UTC", NOW)
    for days in window_totals.WINDOW_DAYS:
        async with sessions() as session:
            assert await window_totals.usable(session, frame.last_days(days))
    await upload("messages", _messages(5, 3, 9.5, 6) + _messages(2, 2, -40, 2))
    await upload(
        "favorites", [{"user_id": "user_1", "character_id": "char_6", "created_at": at(9)}]
    )
    await upload("images", [{"user_id": "user_2", "character_id": "char_5", "created_at": at(8)}])
    read = "SELECT days, character_id, messages, images, favorites FROM character_window_totals "
    read += "WHERE workspace_id = :ws AND (messages, images, favorites) <> (0, 0, 0)"
    async with sessions() as session:
        kept = set((await session.execute(text(read), {"ws": workspace})).all())
    async with sessions() as session, session.begin():
        for days in window_totals.WINDOW_DAYS:
            await window_totals.refresh(session, workspace, days, frame.today)
    async with sessions() as session:
        assert set((await session.execute(text(read), {"ws": workspace})).all()) == kept
        top = await engagement.images(session, frame.last_days(7))
    assert top["top_characters"] == [{"id": "char_5", "name": "Persona 5", "count": 1}]


async def _never(*_: object) -> bool:
    return False
