"""The coaching hub (spec 002) in the graph: aggregates, nesting, node(id), tenancy."""

from __future__ import annotations

from tests.utils.builders import at
from tests.utils.coaching import channel, end_user, enrollment, load_hub, program, uid


async def run(graphql, query, variables=None):  # type: ignore[no-untyped-def]
    result = await graphql(query, variables)
    assert result.errors is None, result.errors
    return result.data


async def test_knowledge_bases_with_documents_and_totals(upload, graphql):
    await load_hub(upload)
    data = await run(
        graphql,
        """{ knowledgeBases { totalCount nodes { name documentCount totalSizeBytes } } }""",
    )
    assert data["knowledgeBases"]["totalCount"] == 2
    assert data["knowledgeBases"]["nodes"] == [
        {"name": "Library 2", "documentCount": 0, "totalSizeBytes": 0},
        {"name": "Library 1", "documentCount": 3, "totalSizeBytes": 1750},
    ]
    query = """query($id: ID!, $status: ProcessingStatus, $search: String) {
      knowledgeBase(id: $id) {
        all: documents { totalCount nodes { title } }
        picked: documents(status: $status, search: $search) {
          nodes { title processingStatus fileSizeBytes chunkCount
                  chunks { chunkIndex content } }
        }
      }
    }"""
    data = await run(graphql, query, {"id": uid("kb", 1), "status": "COMPLETED"})
    kb = data["knowledgeBase"]
    assert [d["title"] for d in kb["all"]["nodes"]] == ["Guide 3", "Sleep notes", "Guide 1"]
    assert kb["picked"]["nodes"] == [
        {
            "title": "Guide 1",
            "processingStatus": "completed",
            "fileSizeBytes": 1000,
            "chunkCount": 3,
            "chunks": [{"chunkIndex": i, "content": f"part {i}"} for i in range(3)],
        }
    ]
    data = await run(graphql, query, {"id": uid("kb", 1), "search": "sleep"})
    assert [d["title"] for d in data["knowledgeBase"]["picked"]["nodes"]] == ["Sleep notes"]


PROGRAMS = """query($status: ProgramStatus, $search: String) {
  programs(status: $status, search: $search) {
    nodes {
      name status enrollmentCount completionRate
      enrollmentStats { total active completed dropped averageCompletionDays }
      versions { version }
    }
  }
}"""


async def test_programs_with_enrollment_counts_and_completion_rates(upload, graphql):
    await load_hub(upload)
    nodes = (await run(graphql, PROGRAMS))["programs"]["nodes"]
    assert [(p["name"], p["enrollmentCount"], p["completionRate"]) for p in nodes] == [
        ("Track 3", 0, None),
        ("Track 2", 1, 0.0),
        ("Track 1", 4, 0.5),
    ]
    assert nodes[2]["enrollmentStats"] == {
        "total": 4,
        "active": 1,
        "completed": 2,
        "dropped": 1,
        "averageCompletionDays": 3.0,
    }
    assert nodes[2]["versions"] == [{"version": 1}]
    published = await run(graphql, PROGRAMS, {"status": "PUBLISHED"})
    assert [p["name"] for p in published["programs"]["nodes"]] == ["Track 1"]
    searched = await run(graphql, PROGRAMS, {"search": "ack 2"})
    assert [p["name"] for p in searched["programs"]["nodes"]] == ["Track 2"]


END_USERS = """query($filter: EndUserFilter, $first: Int, $after: String) {
  endUsers(filter: $filter, orderBy: ENGAGEMENT_SCORE, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    nodes { externalId engagementScore }
  }
}"""


async def test_end_users_filtered_sorted_and_paged(upload, graphql):
    await load_hub(upload)
    seen, after = [], None
    while True:
        data = await run(graphql, END_USERS, {"first": 3, "after": after})
        page = data["endUsers"]
        seen += [(u["externalId"], u["engagementScore"]) for u in page["nodes"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == [("ext-1", 0.9), ("ext-4", 0.7), ("ext-2", 0.5), ("ext-3", 0.2)]

    async def ids(filter):  # type: ignore[no-untyped-def]
        data = await run(graphql, END_USERS, {"filter": filter})
        return [u["externalId"] for u in data["endUsers"]["nodes"]]

    assert await ids({"channel": "WEB"}) == ["ext-1", "ext-3"]
    assert await ids({"isActive": False}) == ["ext-3"]
    assert await ids({"search": "coachee 4"}) == ["ext-4"]
    assert await ids({"search": "EXT-2"}) == ["ext-2"]
    # one field or the other, never across them; % and _ are plain characters
    assert await ids({"search": "ext-4coachee"}) == []
    assert await ids({"search": "4 c"}) == []
    assert await ids({"search": "ext_"}) == []


async def test_end_user_search_text_follows_the_profile(upload, graphql):
    """The stored search text is PostgreSQL's (generated): an edited name is found at once."""
    await load_hub(upload)
    first = await run(graphql, END_USERS, {"filter": {"search": "Zephyrine"}})
    assert first["endUsers"]["nodes"] == []
    await upload(
        "end_users",
        [{"id": uid("user", 2), "external_id": "ext-2", "channel": "whatsapp",
          "profile_data": {"name": "Zephyrine 100% Quell"}, "created_at": at(0, 2)}],
    )  # fmt: skip
    found = await run(graphql, END_USERS, {"filter": {"search": "zephyrine 100%"}})
    assert [u["externalId"] for u in found["endUsers"]["nodes"]] == ["ext-2"]


async def test_end_user_details(upload, graphql):
    await load_hub(upload)
    query = """query($id: ID!) {
      endUser(id: $id) {
        externalId channel lastActiveAt enrollmentCount totalInteractions
        enrollments { status progress program { name } }
        badges { earnedAt badge { name } }
        recentInteractions(limit: 2) { interactionType isAi configuredChannel { channelName } }
      }
    }"""
    user = (await run(graphql, query, {"id": uid("user", 1)}))["endUser"]
    assert (user["externalId"], user["channel"], user["lastActiveAt"]) == ("ext-1", "web", at(3, 2))
    assert (user["enrollmentCount"], user["totalInteractions"]) == (2, 3)
    assert sorted(
        (e["program"]["name"], e["status"], e["progress"]) for e in user["enrollments"]
    ) == [
        ("Track 1", "completed", 1.0),
        ("Track 2", "active", 0.0),
    ]
    assert user["badges"] == [{"earnedAt": at(5), "badge": {"name": "First week"}}]
    assert user["recentInteractions"] == [
        {
            "interactionType": "message_sent",
            "isAi": False,
            "configuredChannel": {"channelName": "Door 1"},
        },
        {
            "interactionType": "ai_response",
            "isAi": True,
            "configuredChannel": {"channelName": "Door 1"},
        },
    ]


async def test_channels_and_rules_with_their_activity(upload, graphql):
    await load_hub(upload)
    await upload(
        "channels",
        [channel(1, configuration={"widget_color": "#123", "access_token": "s"})],
    )
    data = await run(
        graphql,
        """{
          channels(first: 3) { nodes { channelName userCount interactionCount lastActivityAt
                                        configuration } }
          proactiveRules { nodes { name triggeredCount successCount successRate } }
        }""",
    )
    assert [
        (c["channelName"], c["userCount"], c["interactionCount"], c["lastActivityAt"])
        for c in data["channels"]["nodes"]
    ] == [("Door 1", 2, 4, at(3, 5)), ("Door 2", 1, 2, at(3, 4)), ("Door 3", 0, 0, None)]
    assert data["channels"]["nodes"][0]["configuration"] == {"widget_color": "#123"}
    assert data["proactiveRules"]["nodes"] == [
        {"name": "Nudge 1", "triggeredCount": 4, "successCount": 3, "successRate": 0.75},
        {"name": "Nudge 2", "triggeredCount": 0, "successCount": 0, "successRate": None},
    ]


NESTED = """query($first: Int!) {
  programs(first: $first) {
    nodes { enrollmentCount completionRate
            enrollments { status endUser { externalId enrollmentCount } } }
  }
}"""


async def test_nested_programs_cost_the_same_statements_for_3_and_30(
    upload, graphql, count_statements
):
    await upload("end_users", [end_user(n) for n in range(1, 11)])
    await upload("programs", [program(n) for n in range(1, 31)])
    await upload(
        "enrollments", [enrollment(n % 10 + 1, n) for n in range(1, 31)]
        + [enrollment((n + 3) % 10 + 1, n, "completed") for n in range(1, 31)],
    )  # fmt: skip
    counts = {}
    for first in (3, 30):
        count_statements.count = 0
        data = await run(graphql, NESTED, {"first": first})
        nodes = data["programs"]["nodes"]
        assert len(nodes) == first
        assert {(p["enrollmentCount"], p["completionRate"]) for p in nodes} == {(2, 0.5)}
        assert all(len(p["enrollments"]) == 2 for p in nodes)
        counts[first] = count_statements.count
    assert counts[3] == counts[30], counts


async def test_node_finds_coaching_objects_by_uuid(upload, graphql):
    await load_hub(upload)
    query = """query($a: ID!, $b: ID!, $c: ID!, $d: ID!, $e: ID!) {
      a: node(id: $a) { __typename id ... on Program { name } }
      b: node(id: $b) { __typename id ... on EndUser { externalId } }
      c: node(id: $c) { __typename ... on KnowledgeBase { name } }
      d: node(id: $d) { __typename ... on ProactiveRule { name } }
      e: node(id: $e) { id }
    }"""
    variables = {
        "a": uid("program", 2),
        "b": uid("user", 3),
        "c": uid("kb", 1),
        "d": uid("rule", 2),
        "e": uid("user", 99),
    }
    data = await run(graphql, query, variables)
    assert data["a"] == {"__typename": "Program", "id": uid("program", 2), "name": "Track 2"}
    assert data["b"] == {"__typename": "EndUser", "id": uid("user", 3), "externalId": "ext-3"}
    assert data["c"] == {"__typename": "KnowledgeBase", "name": "Library 1"}
    assert data["d"] == {"__typename": "ProactiveRule", "name": "Nudge 2"}
    assert data["e"] is None


async def test_a_malformed_id_is_a_clear_error(graphql):
    result = await graphql('{ program(id: "prog_1") { id } }')
    assert result.errors and result.errors[0].extensions["code"] == "BAD_USER_INPUT"


async def test_another_workspaces_ids_are_invisible(upload, graphql):
    await load_hub(upload)
    query = """query($p: ID!, $kb: ID!) {
      program(id: $p) { id } knowledgeBase(id: $kb) { id } node(id: $p) { id }
      programs { totalCount } endUsers { totalCount } channels { totalCount }
      proactiveRules { totalCount } knowledgeBases { totalCount }
    }"""
    result = await graphql(
        query, {"p": uid("program", 1), "kb": uid("kb", 1)}, workspace_id="ws_default"
    )
    assert result.errors is None, result.errors
    empty = {"totalCount": 0}
    assert result.data == {
        "program": None,
        "knowledgeBase": None,
        "node": None,
        "programs": empty,
        "endUsers": empty,
        "channels": empty,
        "proactiveRules": empty,
        "knowledgeBases": empty,
    }
