"""Tiers, subscriptions, transactions and moderation reports in the graph."""

from __future__ import annotations

import pytest

from tests.utils.builders import at, character, creator, user


@pytest.fixture
async def money(upload):  # type: ignore[no-untyped-def]
    await upload("users", [user(n) for n in range(1, 5)])
    await upload("creators", [creator(1)])
    await upload("characters", [character(1, 1)])
    await upload(
        "subscription_tiers",
        [
            {"id": "tier_pro", "name": "Pro", "price": "10.50"},
            {"id": "tier_basic", "name": "Basic", "price": "3.00"},
        ],
    )
    await upload(
        "subscriptions",
        [
            {"id": "sub_1", "user_id": "user_2", "tier_id": "tier_basic", "created_at": at(1)},
            {"id": "sub_2", "user_id": "user_3", "tier_id": "tier_pro", "created_at": at(2)},
            {
                "id": "sub_3",
                "user_id": "user_4",
                "tier_id": "tier_pro",
                "status": "cancelled",
                "created_at": at(0),
                "cancelled_at": at(3),
            },
        ],
    )
    txn = {"user_id": "user_2", "currency": "USD"}
    await upload(
        "transactions",
        [
            {
                **txn,
                "id": "txn_1",
                "type": "subscription",
                "amount": "3.00",
                "subscription_id": "sub_1",
                "created_at": at(1),
            },
            {
                **txn,
                "id": "txn_2",
                "type": "tip",
                "amount": "4.50",
                "creator_id": "user_1",
                "created_at": at(2),
            },
            {
                **txn,
                "id": "txn_3",
                "type": "point_purchase",
                "amount": "19.99",
                "created_at": at(3),
                "user_id": "user_3",
            },
            {
                **txn,
                "id": "txn_4",
                "type": "tip",
                "amount": "1.25",
                "creator_id": "user_1",
                "status": "refunded",
                "created_at": at(4),
            },
        ],
    )
    await upload(
        "reports",
        [
            {
                "id": "report_1",
                "target_type": "character",
                "target_id": "char_1",
                "reporter_id": "user_3",
                "reason": "spam",
                "created_at": at(2),
            },
            {
                "id": "report_2",
                "target_type": "image",
                "target_id": "img_9",
                "status": "resolved",
                "created_at": at(3),
                "resolved_at": at(4),
            },
        ],
    )


async def ok(graphql, query, variables=None):  # type: ignore[no-untyped-def]
    result = await graphql(query, variables)
    assert result.errors is None, result.errors
    return result.data


async def test_tiers_cheapest_first(money, graphql):
    data = await ok(graphql, "{ subscriptionTiers { id name price currency intervalMonths } }")
    assert data["subscriptionTiers"] == [
        {
            "id": "tier_basic",
            "name": "Basic",
            "price": "3.00",
            "currency": "USD",
            "intervalMonths": 1,
        },
        {"id": "tier_pro", "name": "Pro", "price": "10.50", "currency": "USD", "intervalMonths": 1},
    ]


async def test_subscriptions_by_status_and_tier_with_user_and_tier(money, graphql):
    data = await ok(
        graphql,
        """{ active: subscriptions(status: ACTIVE) {
               totalCount nodes { id status tier { name price } user { id isPremium } } }
             pro: subscriptions(tierId: "tier_pro", direction: ASC) {
               nodes { id status cancelledAt } } }""",
    )
    assert data["active"] == {
        "totalCount": 2,
        "nodes": [
            {
                "id": "sub_2",
                "status": "active",
                "tier": {"name": "Pro", "price": "10.50"},
                "user": {"id": "user_3", "isPremium": True},
            },
            {
                "id": "sub_1",
                "status": "active",
                "tier": {"name": "Basic", "price": "3.00"},
                "user": {"id": "user_2", "isPremium": True},
            },
        ],
    }
    assert data["pro"]["nodes"] == [
        {"id": "sub_3", "status": "cancelled", "cancelledAt": "2024-03-04T12:00:00+00:00"},
        {"id": "sub_2", "status": "active", "cancelledAt": None},
    ]


async def test_transactions_filtered_and_sorted_by_amount(money, graphql):
    data = await ok(
        graphql,
        """{ tips: transactions(type: TIP) {
               nodes { id amount status user { id } creator { id username earnings } } }
             completed: transactions(status: COMPLETED, orderBy: AMOUNT, first: 2) {
               totalCount pageInfo { endCursor } nodes { id amount } }
             window: transactions(from: "2024-03-03T12:00:00Z", to: "2024-03-04T12:00:00Z") {
               nodes { id } } }""",
    )
    creator_1 = {"id": "user_1", "username": "Studio1", "earnings": "4.50"}
    assert data["tips"]["nodes"] == [
        {
            "id": "txn_4",
            "amount": "1.25",
            "status": "refunded",
            "user": {"id": "user_2"},
            "creator": creator_1,
        },
        {
            "id": "txn_2",
            "amount": "4.50",
            "status": "completed",
            "user": {"id": "user_2"},
            "creator": creator_1,
        },
    ]
    assert data["completed"]["totalCount"] == 3
    assert [n["amount"] for n in data["completed"]["nodes"]] == ["19.99", "4.50"]
    rest = await ok(
        graphql,
        """query($after: String) { transactions(status: COMPLETED, orderBy: AMOUNT,
                                                after: $after) { nodes { id } } }""",
        {"after": data["completed"]["pageInfo"]["endCursor"]},
    )
    assert rest["transactions"]["nodes"] == [{"id": "txn_1"}]
    assert data["window"]["nodes"] == [{"id": "txn_2"}]


async def test_moderation_reports_by_status_and_target(money, graphql):
    data = await ok(
        graphql,
        """{ pending: moderationReports(status: PENDING) {
               nodes { id targetType targetId reason reporter { id } } }
             images: moderationReports(targetType: IMAGE) {
               nodes { id status resolvedAt reporter { id } } } }""",
    )
    assert data["pending"]["nodes"] == [
        {
            "id": "report_1",
            "targetType": "character",
            "targetId": "char_1",
            "reason": "spam",
            "reporter": {"id": "user_3"},
        }
    ]
    assert data["images"]["nodes"] == [
        {
            "id": "report_2",
            "status": "resolved",
            "resolvedAt": "2024-03-05T12:00:00+00:00",
            "reporter": None,
        }
    ]


async def test_node_finds_revenue_ids(money, graphql):
    data = await ok(
        graphql,
        """{ a: node(id: "tier_pro") { __typename } b: node(id: "sub_2") { __typename }
             c: node(id: "txn_3") { __typename ... on Transaction { amount } }
             d: node(id: "report_1") { __typename } }""",
    )
    assert data == {
        "a": {"__typename": "SubscriptionTier"},
        "b": {"__typename": "PlatformSubscription"},
        "c": {"__typename": "Transaction", "amount": "19.99"},
        "d": {"__typename": "ModerationReport"},
    }
