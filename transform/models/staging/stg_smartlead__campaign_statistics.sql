-- One row per email sent (stats_id), with its opens, clicks and reply. The HTML body
-- (email_message) is left in the source table: it is large and nobody aggregates on it.
with statistics as (
{{ smartlead_staging('campaign_statistics', keys=['campaign_id', 'stats_id'], columns=[
    ['campaign_id', 'id'],
    ['stats_id', 'text'],
    ['lead_email', 'text'],
    ['lead_name', 'text'],
    ['lead_category', 'text'],
    ['sequence_number', 'count'],
    ['email_campaign_seq_id', 'id', 'sequence_id'],
    ['seq_variant_id', 'id', 'variant_id'],
    ['email_subject', 'text'],
    ['sent_time', 'timestamp', 'sent_at'],
    ['open_time', 'timestamp', 'opened_at'],
    ['click_time', 'timestamp', 'clicked_at'],
    ['reply_time', 'timestamp', 'replied_at'],
    ['open_count', 'count'],
    ['click_count', 'count'],
    ['is_unsubscribed', 'boolean'],
    ['is_bounced', 'boolean'],
    ['ignore_reply', 'boolean'],
    ['extra_fields', 'json'],
], campaign_scoped=true) }}
)

select
  campaign_id,
  stats_id,
  lower(lead_email) as lead_email,
  lead_name,
  lead_category,
  sequence_number,
  sequence_id,
  variant_id,
  email_subject,
  sent_at,
  -- The send's day in the var smartlead_reporting_timezone (the tap's `timezone`).
  {{ smartlead_day('sent_at') }} as sent_date,
  opened_at,
  clicked_at,
  replied_at,
  coalesce(open_count, 0) as open_count,
  coalesce(click_count, 0) as click_count,
  coalesce(is_unsubscribed, false) as is_unsubscribed,
  coalesce(is_bounced, false) as is_bounced,
  ignore_reply,
  extra_fields,
  extracted_at,
  source_relation
from statistics
