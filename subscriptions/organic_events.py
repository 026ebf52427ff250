"""Spec 003's events (organic marketing dashboard), as ingestion event SELECTs of
(type, subject, payload).

Used by gateway/ingestion/organic.py and organic_email.py through `DataType(events=...)`;
docs/events.md gives each payload. Keys are camelCase like spec 003's objects. A status
event fires when the row reaches that status: new with it, or `{old}` (the row before the
batch) had another one; re-sending unchanged data records nothing.
"""

from __future__ import annotations

from subscriptions.outbox import iso_sql

# Spec 003's content object (as GET /api/content/{id} shows it, without the metrics,
# which arrive separately); createdBy only when the account is a member of the workspace.
_CONTENT = f"""jsonb_build_object(
  'id', i.id, 'type', i.type, 'status', i.status, 'title', i.title, 'body', i.body,
  'mediaUrls', to_jsonb(i.media_urls), 'metadata', i.metadata,
  'scheduledAt', {iso_sql("i.scheduled_at")}, 'publishedAt', {iso_sql("i.published_at")},
  'createdBy', (SELECT jsonb_build_object('id', a.id, 'name', a.name, 'avatarUrl', a.avatar_url)
                FROM dashboard_accounts a JOIN workspace_members m ON m.account_id = a.id
                WHERE a.id = i.created_by AND m.workspace_id = i.workspace_id),
  'createdAt', {iso_sql("i.created_at")}, 'updatedAt', {iso_sql("i.updated_at")})"""


def _reached(status: str) -> str:
    return f"i.status = '{status}' AND o.status IS DISTINCT FROM '{status}'"


CONTENT_PUBLISHED = f"""
SELECT 'content.published', i.id, {_CONTENT}
FROM {{ins}} i LEFT JOIN {{old}} o ON o.id = i.id WHERE {_reached("published")}
"""

# Ingestion carries no error text of its own: a failed item's `metadata.error`, if any.
CONTENT_FAILED = f"""
SELECT 'content.failed', i.id, jsonb_build_object(
  'contentId', i.id, 'type', i.type, 'title', i.title, 'error', i.metadata -> 'error',
  'failedAt', {iso_sql("i.updated_at")})
FROM {{ins}} i LEFT JOIN {{old}} o ON o.id = i.id WHERE {_reached("failed")}
"""

# Campaigns report totals, not single emails: one email.sent per campaign whose `sent`
# total rose, with how many were sent since the previous total.
EMAIL_SENT = f"""
SELECT 'email.sent', i.id || ':' || i.sent, jsonb_build_object(
  'campaignId', i.id, 'name', i.name, 'count', i.sent - coalesce(o.sent, 0),
  'totalSent', i.sent, 'recipientCount', i.recipient_count,
  'sentAt', {iso_sql("i.updated_at")})
FROM {{ins}} i LEFT JOIN {{old}} o ON o.id = i.id WHERE i.sent > coalesce(o.sent, 0)
"""

LEAD_CREATED = f"""
SELECT 'lead.created', i.id, jsonb_build_object(
  'id', i.id, 'email', i.email, 'name', i.name, 'tags', to_jsonb(i.tags), 'source', i.source,
  'status', i.status, 'customFields', i.custom_fields,
  'stats', jsonb_build_object('emailsSent', i.emails_sent, 'emailsOpened', i.emails_opened,
                              'linksClicked', i.links_clicked),
  'createdAt', {iso_sql("i.created_at")})
FROM {{ins}} i WHERE i._inserted
"""


# Leads are matched by email (their conflict key). Only an existing lead changing status
# counts: importing a list that already holds unsubscribed or bounced addresses is history,
# not news (lead.created carries their status).
def _lead_became(event_type: str, status: str) -> str:
    return f"""
SELECT '{event_type}', i.id, jsonb_build_object('leadId', i.id, 'email', i.email)
FROM {{ins}} i JOIN {{old}} o ON o.email = i.email
WHERE i.status = '{status}' AND o.status <> '{status}'
"""


LEAD_UNSUBSCRIBED = _lead_became("lead.unsubscribed", "unsubscribed")
EMAIL_BOUNCED = _lead_became("email.bounced", "bounced")


def _integration(event_type: str, status: str) -> str:
    return f"""
SELECT '{event_type}', i.id, jsonb_build_object(
  'integrationId', i.id, 'name', i.name, 'provider', i.provider, 'status', i.status,
  'previousStatus', o.status, 'lastSync', {iso_sql("i.last_sync_at")})
FROM {{ins}} i LEFT JOIN {{old}} o ON o.id = i.id WHERE {_reached(status)}
"""


INTEGRATION_CONNECTED = _integration("integration.connected", "connected")
INTEGRATION_FAILED = _integration("integration.failed", "error")
