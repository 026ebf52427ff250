"""`gateway import`: JSONL and CSV files through the ingestion path, as a user runs it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import orjson
import pytest
from sqlalchemy import func, select

from models import platform as m

pytestmark = pytest.mark.slow


def run_import(
    database_url: str, path: Path, data_type: str, workspace: str
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": database_url}
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "gateway.cli",
            "import",
            str(path),
            "--type",
            data_type,
            "--workspace",
            workspace,
            "--batch-size",
            "2",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


async def test_jsonl_and_csv_import(tmp_path, database_url, workspace, sessions):
    users = tmp_path / "users.jsonl"
    users.write_bytes(
        b"\n".join(
            orjson.dumps(
                {"id": f"user_{n}", "language": "ja", "created_at": "2024-05-01T00:00:00Z"}
            )
            for n in range(5)
        )
    )
    result = run_import(database_url, users, "users", workspace)
    assert result.returncode == 0, result.stderr
    assert "imported 5 users" in result.stdout

    characters = tmp_path / "characters.csv"
    characters.write_text(
        "id,name,tags,is_nsfw,created_at,creator_id\n"
        'char_a,Sable,"[""calm"",""noir""]",true,2024-05-02T00:00:00Z,\n'
        "char_b,Wren,,false,2024-05-02T00:00:00Z,\n"
    )
    result = run_import(database_url, characters, "characters", workspace)
    assert result.returncode == 0, result.stderr
    async with sessions() as session:
        sable = await session.get(m.Character, (workspace, "char_a"))
        user_count = await session.scalar(
            select(func.count())
            .select_from(m.PlatformUser)
            .where(m.PlatformUser.workspace_id == workspace)
        )
    assert sable is not None and sable.tags == ["calm", "noir"] and sable.is_nsfw
    assert user_count == 5


async def test_invalid_lines_are_named_and_nothing_is_written(
    tmp_path, database_url, workspace, sessions
):
    path = tmp_path / "bad.jsonl"
    path.write_text(
        '{"id": "user_ok", "created_at": "2024-05-01T00:00:00Z"}\n'
        "\n"
        '{"id": "user_bad", "created_at": "yesterday"}\n'
    )
    result = run_import(database_url, path, "users", workspace)
    assert result.returncode == 1
    assert "line 3: created_at" in result.stderr
    async with sessions() as session:
        assert await session.get(m.PlatformUser, (workspace, "user_ok")) is None
