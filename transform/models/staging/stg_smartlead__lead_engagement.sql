-- Per-lead engagement from the campaign's CSV export: the API's own open, click and reply
-- counts, `is_interested` and the last step sent.
with engagement as (
{{ smartlead_staging('lead_engagement', keys=['campaign_id', 'campaign_lead_map_id'], columns=[
    ['campaign_id', 'id'],
    ['campaign_lead_map_id', 'id'],
    ['id', 'id', 'lead_id'],
    ['first_name', 'text'],
    ['last_name', 'text'],
    ['email', 'text'],
    ['company_name', 'text'],
    ['created_at', 'timestamp'],
    ['status', 'text'],
    ['category', 'text'],
    ['is_interested', 'boolean'],
    ['last_email_sequence_sent', 'count'],
    ['open_count', 'count'],
    ['click_count', 'count'],
    ['reply_count', 'count'],
    ['extra_fields', 'json'],
], campaign_scoped=true) }}
)

select
  campaign_id,
  campaign_lead_map_id,
  lead_id,
  first_name,
  last_name,
  lower(email) as email,
  company_name,
  created_at,
  upper(status) as status,
  category as category_name,
  is_interested,
  last_email_sequence_sent,
  coalesce(open_count, 0) as open_count,
  coalesce(click_count, 0) as click_count,
  coalesce(reply_count, 0) as reply_count,
  extra_fields,
  extracted_at,
  source_relation
from engagement
