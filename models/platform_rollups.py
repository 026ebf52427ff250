"""Rollups behind the spec 000 dashboards, maintained by ingestion in the same transaction
as the raw rows they summarise (gateway/ingestion/platform_rollups.py holds the SQL).

- `platform_hourly`: counters per UTC hour. Any workspace timezone with whole-hour offsets
  cuts its days, weeks and months from these exactly (DST included), and hour-of-day and
  day-of-week charts read them too.
- `platform_user_days` / `character_user_days`: who was active on which local day (the
  workspace's timezone at ingestion time); distinct counts (active users, unique users per
  character) need the pairs, not counters.
- `character_days`, `platform_user_stats`, `feature_user_stats`: per-entity totals
  (`character_days.new_users`: users whose first message to the character fell that day).
- `platform_activity_gaps`: distinct active users (characters, pairs) over any run of days,
  read in time that depends on the number of days, not of users.
- `platform_retention_cells`: users of a registration day active again k days (weeks,
  months) later, for the retention rates and cohort tables.
- `platform_user_segment_keys` / `platform_segment_cells`: each user's place (message band,
  funnel stage, premium, creator, ...) and the users per place and day.
- `platform_tier_subscriptions`, `platform_subscription_days`,
  `platform_subscription_retention`: subscriptions by tier, by local day of their changes and
  by the day their month-N retention falls due (gateway/ingestion/subscription_rollups.py).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import BigInteger, Date, Index, Numeric, text
from sqlmodel import Field

from models.base import CounterField, TenantScoped, TimestampField, tenant_fk


def _money() -> Decimal:
    return CounterField(sa_type=Numeric(14, 2))


class PlatformHourly(TenantScoped, table=True):
    __tablename__ = "platform_hourly"

    hour: datetime = TimestampField(primary_key=True)
    new_users: int = CounterField()
    new_temporary_users: int = CounterField()
    new_characters: int = CounterField()
    messages: int = CounterField()  # by either sender
    user_messages: int = CounterField()  # sent by the user
    images: int = CounterField()
    nsfw_images: int = CounterField()
    image_likes: int = CounterField()
    favorites: int = CounterField()
    sessions: int = CounterField()
    session_seconds: int = CounterField()
    session_messages: int = CounterField()
    bounced_sessions: int = CounterField()
    character_sessions: int = CounterField()  # sessions with a character
    sessions_mobile: int = CounterField()
    sessions_desktop: int = CounterField()
    sessions_tablet: int = CounterField()
    # Completed transactions only, by type.
    revenue_subscription: Decimal = _money()
    revenue_point_purchase: Decimal = _money()
    revenue_tip: Decimal = _money()
    count_subscription: int = CounterField()
    count_point_purchase: int = CounterField()
    count_tip: int = CounterField()
    # Users whose first subscription (of any status) started in the hour.
    first_subscriptions: int = CounterField()


class PlatformUserDay(TenantScoped, table=True):
    """A user was active on a local day: sent a message, started a session, generated an
    image or added a favorite (a character's message to the user is not the user's doing)."""

    __tablename__ = "platform_user_days"
    __table_args__ = (
        tenant_fk("user_id", "platform_users"),
        Index(None, "workspace_id", "user_id", "day"),
    )

    day: date = Field(sa_type=Date, primary_key=True)
    user_id: str = Field(primary_key=True, max_length=64)
    messages: int = CounterField()
    images: int = CounterField()
    sessions: int = CounterField()
    favorites: int = CounterField()


class CharacterDay(TenantScoped, table=True):
    __tablename__ = "character_days"
    __table_args__ = (
        tenant_fk("character_id", "characters"),
        Index(None, "workspace_id", "character_id", "day"),
        # Window totals per character (top lists) read this index alone, not the table.
        Index(
            "ix_character_days_window",
            "workspace_id",
            "day",
            "character_id",
            postgresql_include=["messages", "images", "favorites"],
        ),
    )

    day: date = Field(sa_type=Date, primary_key=True)
    character_id: str = Field(primary_key=True, max_length=64)
    messages: int = CounterField()
    unique_users: int = CounterField()
    images: int = CounterField()
    favorites: int = CounterField()
    sessions: int = CounterField()
    # Users whose first message to the character fell on this day (first day of the pair in
    # character_user_days): new users of the character in a run of days.
    new_users: int = CounterField()


class CharacterUserDay(TenantScoped, table=True):
    """A user messaged a character on a local day (feeds character_days.unique_users)."""

    __tablename__ = "character_user_days"
    __table_args__ = (
        tenant_fk("character_id", "characters"),
        tenant_fk("user_id", "platform_users"),
        Index(None, "workspace_id", "character_id", "user_id", "day"),
    )

    day: date = Field(sa_type=Date, primary_key=True)
    character_id: str = Field(primary_key=True, max_length=64)
    user_id: str = Field(primary_key=True, max_length=64)


class PlatformUserStats(TenantScoped, table=True):
    __tablename__ = "platform_user_stats"
    __table_args__ = (
        tenant_fk("user_id", "platform_users"),
        Index(None, "workspace_id", "messages"),
    )

    user_id: str = Field(primary_key=True, max_length=64)
    messages: int = CounterField()
    images: int = CounterField()
    sessions: int = CounterField()
    favorites: int = CounterField()
    first_message_at: datetime | None = TimestampField(default=None)
    # Completed transactions of this user.
    revenue: Decimal = _money()
    first_purchase_at: datetime | None = TimestampField(default=None)
    # Subscriptions of this user: the earliest start (any status) and how many are active.
    first_subscription_at: datetime | None = TimestampField(default=None)
    active_subscriptions: int = CounterField()


class FeatureUserStats(TenantScoped, table=True):
    __tablename__ = "feature_user_stats"
    __table_args__ = (tenant_fk("user_id", "platform_users"),)

    feature: str = Field(primary_key=True, max_length=32)
    user_id: str = Field(primary_key=True, max_length=64)
    uses: int = CounterField()


class ActivityGap(TenantScoped, table=True):
    """For each local day a subject (a user, a character, a character-user pair) was active,
    how many subjects had their previous active day on `prev_day` ('-infinity' for the
    first). Subjects active in days [a, b] = the sum over day in [a, b] with prev_day < a: each
    subject counts once, on its first active day in the range."""

    __tablename__ = "platform_activity_gaps"

    kind: str = Field(primary_key=True, max_length=24)
    day: date = Field(sa_type=Date, primary_key=True)
    prev_day: date = Field(sa_type=Date, primary_key=True)
    subjects: int = CounterField()


class RetentionCell(TenantScoped, table=True):
    """Users registered on a local day who were active in period k after it, where periods
    are `span` days long (1, 7 or 30): k days, weeks or 30-day months later. A user counts once
    per cell however many days of the period they were active."""

    __tablename__ = "platform_retention_cells"

    registered_on: date = Field(sa_type=Date, primary_key=True)
    span: int = Field(primary_key=True)
    k: int = Field(primary_key=True)
    users: int = CounterField()


class UserFacet(TenantScoped, table=True):
    """Users by local registration day and a facet of theirs ('all', 'registered',
    'language', 'gender', 'country', 'region'; '' stands for no value), so breakdowns of the
    users registered in a period cost the period's days, not its users."""

    __tablename__ = "platform_user_facets"

    registered_on: date = Field(sa_type=Date, primary_key=True)
    facet: str = Field(primary_key=True, max_length=16)
    value: str = Field(primary_key=True)
    users: int = CounterField()


class CharacterFacet(TenantScoped, table=True):
    """Characters by a facet ('all', 'public', 'nsfw', 'gender', 'category', 'tag',
    'pending_review', 'flagged', 'with_creator'; '' stands for no value)."""

    __tablename__ = "platform_character_facets"

    facet: str = Field(primary_key=True, max_length=16)
    value: str = Field(primary_key=True)
    characters: int = CounterField()


class PlatformVisitor(TenantScoped, table=True):
    """Every visitor id seen on the site, once: new ones raise `platform_counters.visitors`."""

    __tablename__ = "platform_visitors"

    visitor_id: str = Field(primary_key=True, max_length=64)


class PlatformCounter(TenantScoped, table=True):
    """Workspace-wide counts that would otherwise need a distinct count over raw rows."""

    __tablename__ = "platform_counters"

    name: str = Field(primary_key=True, max_length=32)
    value: int = CounterField(sa_type=BigInteger)


class CharacterWindowTotal(TenantScoped, table=True):
    """Per character, totals over the last `days` local days as of `character_window_state`'s
    day for that length: top lists read a page off an index instead of summing the window."""

    __tablename__ = "character_window_totals"
    # Highest first, ties by id: the order a top list reads a page in.
    __table_args__ = tuple(
        Index(
            f"ix_character_window_totals_{c}",
            "workspace_id",
            "days",
            text(f"{c} DESC"),
            "character_id",
        )
        for c in ("messages", "images", "favorites")
    )

    days: int = Field(primary_key=True)
    character_id: str = Field(primary_key=True, max_length=64)
    messages: int = CounterField()
    images: int = CounterField()
    favorites: int = CounterField()


class CharacterWindowState(TenantScoped, table=True):
    """The local day the window totals of a length were computed for; ingestion keeps them
    exact for that day, and a read on a later day recomputes them."""

    __tablename__ = "character_window_state"

    days: int = Field(primary_key=True)
    as_of: date = Field(sa_type=Date)


def _flag() -> bool:
    return Field(default=False, sa_column_kwargs={"server_default": "false"})


class UserSegmentKey(TenantScoped, table=True):
    """Each user's last-counted place in `platform_segment_cells`: what a change to the user
    takes out of the cells (and of `platform_hourly.first_subscriptions`) before adding the
    new place."""

    __tablename__ = "platform_user_segment_keys"
    __table_args__ = (tenant_fk("user_id", "platform_users"),)

    user_id: str = Field(primary_key=True, max_length=64)
    band: str = Field(max_length=8)
    active_day: date | None = Field(default=None, sa_type=Date)
    seen_day: date = Field(sa_type=Date)
    registered_on: date = Field(sa_type=Date)
    revenue: Decimal = _money()
    registered: bool = _flag()  # not temporary
    chatted: bool = _flag()  # at least one message
    premium: bool = _flag()  # holds an active subscription
    creator: bool = _flag()  # has a creator profile
    # Seconds from registration to the first completed payment.
    to_purchase: Decimal | None = Field(default=None, sa_type=Numeric)
    # Days from the first message to the first subscription, when that came after it.
    chat_to_sub: Decimal | None = Field(default=None, sa_type=Numeric)
    first_subscription_at: datetime | None = TimestampField(default=None)


class SegmentCell(TenantScoped, table=True):
    """Users (and their revenue) by a place and a local day, for the segments:
    message band ('lt10', '10to99', 'ge100') x last active day; 'seen' x last active day (or
    registration day, never active); 'reg' x registration day; 'paid' (revenue > 0);
    'premium' (an active subscription); 'prem_reg' and 'creator' x registration day (premium
    users, creator accounts). The funnel's places hold registered users only, on day
    '-infinity': 'f_reg', 'f_act' (a message), 'f_eng' (10+ messages), 'f_pay' (revenue > 0),
    and with `measure` the sum of their key's `to_purchase` ('f_buy') or `chat_to_sub`
    ('f_sub') over the users that have one."""

    __tablename__ = "platform_segment_cells"

    band: str = Field(primary_key=True, max_length=8)
    day: date = Field(sa_type=Date, primary_key=True)
    users: int = CounterField()
    revenue: Decimal = _money()
    measure: Decimal = CounterField(sa_type=Numeric)


class TierSubscriptions(TenantScoped, table=True):
    """Active subscriptions per tier (status 'active')."""

    __tablename__ = "platform_tier_subscriptions"
    __table_args__ = (tenant_fk("tier_id", "subscription_tiers"),)

    tier_id: str = Field(primary_key=True, max_length=64)
    active: int = CounterField()


class SubscriptionDay(TenantScoped, table=True):
    """Subscriptions by a local day: 'created' (its start), 'cancelled' (cancelled_at) and
    'gone' (the later of its start and the first of cancelled_at and ends_at, when it has
    either): those active at the start of day d = created before d less gone before d."""

    __tablename__ = "platform_subscription_days"

    kind: str = Field(primary_key=True, max_length=16)
    day: date = Field(sa_type=Date, primary_key=True)
    subscriptions: int = CounterField()


# The months N of the subscription retention, and as SQL over a subscription `s` and a row
# `m` with `months`: its month-N due time and whether it was kept until then (both the
# ingestion of the cells and the read of the boundary day use these).
RETENTION_MONTHS = (1, 3, 6, 12)
RETENTION_DUE = "(s.created_at + make_interval(months => m.months))"
RETENTION_KEPT = (
    "coalesce(s.cancelled_at, 'infinity') >= {due} AND coalesce(s.ends_at, 'infinity') >= {due}"
)


class SubscriptionRetention(TenantScoped, table=True):
    """Subscriptions by the UTC day their month-N retention falls due (created_at + N
    months), and how many of them were neither cancelled nor ended before it (`kept`)."""

    __tablename__ = "platform_subscription_retention"

    months: int = Field(primary_key=True)
    due_on: date = Field(sa_type=Date, primary_key=True)
    subscriptions: int = CounterField()
    kept: int = CounterField()
