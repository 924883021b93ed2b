-- The API's own all-time totals per campaign (what the cross-checks compare the models to).
with analytics as (
{{ smartlead_staging('campaign_analytics', keys=['campaign_id'], columns=[
    ['campaign_id', 'id'],
    ['name', 'text', 'campaign_name'],
    ['status', 'text'],
    ['sent_count', 'count'],
    ['unique_sent_count', 'count'],
    ['open_count', 'count'],
    ['unique_open_count', 'count'],
    ['click_count', 'count'],
    ['unique_click_count', 'count'],
    ['reply_count', 'count'],
    ['bounce_count', 'count'],
    ['unsubscribed_count', 'count'],
    ['block_count', 'count'],
    ['total_count', 'count'],
    ['drafted_count', 'count'],
    ['sequence_count', 'count'],
    ['campaign_lead_stats', 'json'],
    ['extra_fields', 'json'],
], campaign_scoped=true) }}
)

select
  campaign_id,
  campaign_name,
  status,
  sent_count,
  unique_sent_count,
  open_count,
  unique_open_count,
  click_count,
  unique_click_count,
  reply_count,
  bounce_count,
  unsubscribed_count,
  block_count,
  total_count,
  drafted_count,
  sequence_count,
  {%- for field, name in [('total', 'leads_total'), ('notStarted', 'leads_not_started'),
                          ('inprogress', 'leads_in_progress'), ('completed', 'leads_completed'),
                          ('paused', 'leads_paused'), ('stopped', 'leads_stopped'),
                          ('blocked', 'leads_blocked'), ('interested', 'leads_interested')] %}
  cast({{ smartlead_json_text('campaign_lead_stats', field) }} as bigint) as {{ name }},
  {%- endfor %}
  extra_fields,
  extracted_at,
  source_relation
from analytics
