-- One row per client per day with activity (by event date): the client's campaigns' sends,
-- replies, positive replies and bounces, with rates as shares (0..1) of that day's sends.
with stats as (
  select * from {{ ref('stg_smartlead__client_daily_stats') }}
),

clients as (
  select * from {{ ref('stg_smartlead__clients') }}
)

select
  stats.client_id,
  coalesce(clients.client_name, stats.client_name) as client_name,
  stats.activity_date,
  stats.total_campaigns_count as campaign_count,
  coalesce(stats.sent, 0) as sent_count,
  coalesce(stats.opened, 0) as opened_count,
  coalesce(stats.replied, 0) as replied_count,
  coalesce(stats.positive_replied, 0) as positive_replied_count,
  coalesce(stats.bounced, 0) as bounced_count,
  {{ smartlead_rate('stats.replied', 'stats.sent') }} as reply_rate,
  {{ smartlead_rate('stats.positive_replied', 'stats.sent') }} as positive_reply_rate,
  {{ smartlead_rate('stats.bounced', 'stats.sent') }} as bounce_rate
from stats
left join clients on clients.client_id = stats.client_id
