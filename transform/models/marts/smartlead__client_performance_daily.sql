-- One row per client per day with activity (by event date, in the tap's `timezone`): the
-- client's campaigns' sends, opens, replies, positive replies and bounces, as the API counts
-- them. No rates: replies and bounces that day answer emails of earlier days, so a day's
-- replies over that day's sends is no share of anything (it reached 2.0); the campaign marts
-- and account_daily have rates by send date. Opens are NULL for a client with a campaign that
-- does not track them (the API counts that campaign's opens all the same).
with stats as (
  select * from {{ ref('stg_smartlead__client_daily_stats') }}
),

clients as (
  select * from {{ ref('stg_smartlead__clients') }}
),

untracked as (
  select source_relation, client_id, count(*) as campaigns
  from {{ ref('stg_smartlead__campaigns') }}
  where not tracks_opens and client_id is not null
  group by source_relation, client_id
)

select
  stats.source_relation,
  stats.client_id,
  coalesce(clients.client_name, stats.client_name) as client_name,
  stats.activity_date,
  stats.total_campaigns_count as campaign_count,
  coalesce(stats.sent, 0) as sent_count,
  case when untracked.client_id is null then coalesce(stats.opened, 0) end as opened_count,
  coalesce(stats.replied, 0) as replied_count,
  coalesce(stats.positive_replied, 0) as positive_replied_count,
  coalesce(stats.bounced, 0) as bounced_count
from stats
left join clients
  on clients.client_id = stats.client_id and clients.source_relation = stats.source_relation
left join untracked
  on untracked.client_id = stats.client_id
  and untracked.source_relation = stats.source_relation
