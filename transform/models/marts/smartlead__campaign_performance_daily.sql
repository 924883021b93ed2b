-- One row per campaign per day with any activity, days in the var smartlead_reporting_timezone
-- (default UTC). Two kinds of columns, named apart:
--   *_count: what happened that day: emails sent, bounced, unsubscribed (by send time);
--     emails first opened / clicked that day; reply messages received that day (threads);
--   per_send_*_rate: the cohort of the emails SENT that day: the share of them opened,
--     clicked, replied to, bounced so far. Not that day's reply_count over sent_count.
-- Opens and clicks are NULL for a campaign that does not track them.
with emails as (
  select * from {{ ref('int_smartlead__emails') }}
),

campaigns as (
  select source_relation, campaign_id, campaign_name, tracks_opens, tracks_clicks
  from {{ ref('stg_smartlead__campaigns') }}
),

replies as (
  select source_relation, campaign_id, {{ smartlead_day('message_at') }} as reply_day
  from {{ ref('stg_smartlead__lead_message_history') }}
  where message_type = 'REPLY'
),

events as (
  select source_relation, campaign_id, sent_day as activity_date,
         1 as sent, {{ smartlead_flag('is_bounced') }} as bounced,
         {{ smartlead_flag('is_unsubscribed') }} as unsubscribed,
         0 as opened, 0 as clicked, 0 as replied
  from emails
  union all
  select source_relation, campaign_id, {{ smartlead_day('opened_at') }}, 0, 0, 0, 1, 0, 0
  from emails where opened_at is not null
  union all
  select source_relation, campaign_id, {{ smartlead_day('clicked_at') }}, 0, 0, 0, 0, 1, 0
  from emails where clicked_at is not null
  union all
  select source_relation, campaign_id, reply_day, 0, 0, 0, 0, 0, 1
  from replies
),

daily as (
  select
    source_relation,
    campaign_id,
    activity_date,
    sum(sent) as sent_count,
    sum(opened) as unique_open_count,
    sum(clicked) as unique_click_count,
    sum(replied) as reply_count,
    sum(bounced) as bounce_count,
    sum(unsubscribed) as unsubscribed_count
  from events
  group by source_relation, campaign_id, activity_date
),

cohorts as (
  select
    source_relation,
    campaign_id,
    sent_day,
    count(*) as sent,
    sum({{ smartlead_flag('is_opened') }}) as opened,
    sum({{ smartlead_flag('is_clicked') }}) as clicked,
    sum({{ smartlead_flag('is_replied') }}) as replied,
    sum({{ smartlead_flag('is_bounced') }}) as bounced
  from emails
  group by source_relation, campaign_id, sent_day
)

select
  daily.source_relation,
  daily.campaign_id,
  campaigns.campaign_name,
  daily.activity_date,
  cast(daily.sent_count as bigint) as sent_count,
  case when campaigns.tracks_opens then cast(daily.unique_open_count as bigint) end
    as unique_open_count,
  case when campaigns.tracks_clicks then cast(daily.unique_click_count as bigint) end
    as unique_click_count,
  cast(daily.reply_count as bigint) as reply_count,
  cast(daily.bounce_count as bigint) as bounce_count,
  cast(daily.unsubscribed_count as bigint) as unsubscribed_count,
  case when campaigns.tracks_opens then {{ smartlead_rate('cohorts.opened', 'cohorts.sent') }} end
    as per_send_open_rate,
  case when campaigns.tracks_clicks then {{ smartlead_rate('cohorts.clicked', 'cohorts.sent') }} end
    as per_send_click_rate,
  {{ smartlead_rate('cohorts.replied', 'cohorts.sent') }} as per_send_reply_rate,
  {{ smartlead_rate('cohorts.bounced', 'cohorts.sent') }} as per_send_bounce_rate
from daily
join campaigns
  on campaigns.campaign_id = daily.campaign_id
  and campaigns.source_relation = daily.source_relation
left join cohorts
  on cohorts.campaign_id = daily.campaign_id and cohorts.sent_day = daily.activity_date
  and cohorts.source_relation = daily.source_relation
