-- Each campaign's figures per day with activity (by event date); rates as fractions (the API's
-- percent / 100). Opens of a campaign that does not track them are NULL: the API counts them
-- anyway (an open_rate up to 3.0).
with stats as (
{{ smartlead_staging('campaign_daily_stats', keys=['campaign_id', 'activity_date'], columns=[
    ['campaign_id', 'id'],
    ['date', 'date', 'activity_date'],
    ['campaign_name', 'text'],
    ['sent', 'count'],
    ['opened', 'count'],
    ['replied', 'count'],
    ['bounced', 'count'],
    ['positive_replied', 'count'],
    ['unique_lead_count', 'count'],
    ['unique_open_count', 'count'],
    ['open_rate', 'number'],
    ['reply_rate', 'number'],
    ['bounce_rate', 'number'],
    ['positive_reply_rate', 'number'],
    ['timezone', 'text', 'tap_timezone'],
    ['extra_fields', 'json'],
]) }}
)

select
  stats.campaign_id,
  stats.activity_date,
  stats.campaign_name,
  stats.sent,
  case when coalesce(campaigns.tracks_opens, true) then stats.opened end as opened,
  stats.replied,
  stats.bounced,
  stats.positive_replied,
  stats.unique_lead_count,
  case when coalesce(campaigns.tracks_opens, true) then stats.unique_open_count end
    as unique_open_count,
  case when coalesce(campaigns.tracks_opens, true) then stats.open_rate / 100 end as open_rate,
  stats.reply_rate / 100 as reply_rate,
  stats.bounce_rate / 100 as bounce_rate,
  stats.positive_reply_rate / 100 as positive_reply_rate,
  stats.tap_timezone,
  stats.extra_fields,
  stats.extracted_at,
  stats.source_relation
from stats
left join {{ ref('stg_smartlead__campaigns') }} as campaigns
  on campaigns.campaign_id = stats.campaign_id
  and campaigns.source_relation = stats.source_relation
