"""Spec 004's live dashboard events, as ingestion event SELECTs of (type, subject, payload).

Used by gateway/ingestion/social.py through `DataType(events=...)`. Each payload is exactly
the `data` object of spec 004's WebSocket message of that type (subscriptions/legacy_ws.py
sends it as is); docs/events.md describes when each fires.
"""

from __future__ import annotations

from subscriptions.outbox import iso_sql, not_yet

_NOW = iso_sql("date_trunc('second', clock_timestamp())")

# Reports are append-only (a re-sent one is not in {ins}); the rollups have already moved
# each agent's state. One event per agent whose state this batch moved forward (a late,
# older report stays in the history and says nothing), with the agent's state after it.
AGENT_UPDATE = f"""
SELECT 'agent_update', a.id, jsonb_build_object(
  'agentId', a.id, 'efficiency', a.efficiency, 'status', a.status,
  'currentTask', a.current_task, 'progress', a.progress,
  'estimatedCompletion', {iso_sql("a.estimated_completion")})
FROM ai_agents a
JOIN (SELECT agent_id, max(reported_at) AS reported_at FROM {{ins}} WHERE _inserted
      GROUP BY agent_id) r ON r.agent_id = a.id AND r.reported_at = a.last_update
WHERE a.workspace_id = :ws
"""

# A new post, or one whose status differs from before the batch.
POST_STATUS = f"""
SELECT 'post_status', i.id, jsonb_build_object(
  'postId', i.id, 'status', i.status, 'publishedAt', {iso_sql("i.published_at")},
  'platform', i.platform)
FROM {{ins}} i LEFT JOIN {{old}} o ON o.id = i.id
WHERE o.status IS DISTINCT FROM i.status
"""

# Campaigns whose days this batch changed (new days, or counters that differ), per campaign:
# its spend before and after the batch, from the days as they are and as they were.
_CHANGED_CAMPAIGNS = """
SELECT i.campaign_id,
       sum(i.spend) - sum(coalesce(o.spend, 0)) AS spend_added
FROM {ins} i LEFT JOIN {old} o ON o.campaign_id = i.campaign_id AND o.date = i.date
WHERE o.campaign_id IS NULL OR (o.impressions, o.clicks, o.conversions, o.spend, o.revenue)
      IS DISTINCT FROM (i.impressions, i.clicks, i.conversions, i.spend, i.revenue)
GROUP BY i.campaign_id
"""
_TOTALS = f"""
SELECT c.campaign_id, c.spend_added, t.impressions, t.clicks, t.spent
FROM ({_CHANGED_CAMPAIGNS}) c
CROSS JOIN LATERAL (
  SELECT sum(m.impressions) AS impressions, sum(m.clicks) AS clicks, sum(m.spend) AS spent
  FROM campaign_metrics m WHERE m.workspace_id = :ws AND m.campaign_id = c.campaign_id
) t
"""

# spec 004's performance shape: the campaign's running totals over all its days.
CAMPAIGN_UPDATE = f"""
SELECT 'campaign_update', t.campaign_id, jsonb_build_object(
  'campaignId', t.campaign_id,
  'performance', jsonb_build_object('impressions', t.impressions, 'clicks', t.clicks,
                                    'spent', trim_scale(t.spent)),
  'timestamp', {_NOW})
FROM ({_TOTALS}) t
"""

BUDGET_ALERT_SHARE = 0.8
_ALERT_SUBJECT = "t.campaign_id || ':budget_80'"

# "Campaign Budget Alert": total spend crossed 80 % of budget_total in this batch (once
# per campaign; a later correction back below and up again does not repeat it).
BUDGET_ALERT = f"""
SELECT 'notification', {_ALERT_SUBJECT}, jsonb_build_object(
  'id', 'notif_' || substr(md5(:ws || ':' || {_ALERT_SUBJECT}), 1, 16),
  'title', 'Campaign Budget Alert',
  'message', 'Your ' || c.name || ' campaign has spent 80% of its budget',
  'type', 'warning', 'actionUrl', '/campaigns/' || t.campaign_id, 'timestamp', {_NOW})
FROM ({_TOTALS}) t
JOIN ad_campaigns c ON c.workspace_id = :ws AND c.id = t.campaign_id
WHERE c.budget_total > 0
  AND t.spent >= {BUDGET_ALERT_SHARE} * c.budget_total
  AND t.spent - t.spend_added < {BUDGET_ALERT_SHARE} * c.budget_total
  AND {not_yet("notification", _ALERT_SUBJECT)}
"""
