-- One row per campaign per UTC day with any activity.
--   sent / bounce / unsubscribed: emails sent that day (campaign_statistics.sent_time);
--   unique opens / clicks: emails first opened / clicked that day;
--   replies: reply messages received that day (lead_message_history, type REPLY);
--   rates: of the emails sent that day, the share opened / clicked / replied / bounced so far.
with statistics as (
  select * from {{ ref('stg_smartlead__campaign_statistics') }}
),

replies as (
  select campaign_id, message_date
  from {{ ref('stg_smartlead__lead_message_history') }}
  where message_type = 'REPLY'
),

events as (
  select campaign_id, sent_date as activity_date,
         1 as sent, {{ smartlead_flag('is_bounced') }} as bounced,
         {{ smartlead_flag('is_unsubscribed') }} as unsubscribed,
         0 as opened, 0 as clicked, 0 as replied
  from statistics
  union all
  select campaign_id, cast(opened_at as date), 0, 0, 0, 1, 0, 0
  from statistics where opened_at is not null
  union all
  select campaign_id, cast(clicked_at as date), 0, 0, 0, 0, 1, 0
  from statistics where clicked_at is not null
  union all
  select campaign_id, message_date, 0, 0, 0, 0, 0, 1
  from replies
),

daily as (
  select
    campaign_id,
    activity_date,
    sum(sent) as sent_count,
    sum(opened) as unique_open_count,
    sum(clicked) as unique_click_count,
    sum(replied) as reply_count,
    sum(bounced) as bounce_count,
    sum(unsubscribed) as unsubscribed_count
  from events
  group by campaign_id, activity_date
),

cohorts as (
  select
    campaign_id,
    sent_date,
    count(*) as sent,
    sum({{ smartlead_flag('opened_at is not null') }}) as opened,
    sum({{ smartlead_flag('clicked_at is not null') }}) as clicked,
    sum({{ smartlead_flag('replied_at is not null') }}) as replied,
    sum({{ smartlead_flag('is_bounced') }}) as bounced
  from statistics
  group by campaign_id, sent_date
)

select
  daily.campaign_id,
  campaigns.campaign_name,
  daily.activity_date,
  cast(daily.sent_count as bigint) as sent_count,
  cast(daily.unique_open_count as bigint) as unique_open_count,
  cast(daily.unique_click_count as bigint) as unique_click_count,
  cast(daily.reply_count as bigint) as reply_count,
  cast(daily.bounce_count as bigint) as bounce_count,
  cast(daily.unsubscribed_count as bigint) as unsubscribed_count,
  {{ smartlead_rate('cohorts.opened', 'cohorts.sent') }} as open_rate,
  {{ smartlead_rate('cohorts.clicked', 'cohorts.sent') }} as click_rate,
  {{ smartlead_rate('cohorts.replied', 'cohorts.sent') }} as reply_rate,
  {{ smartlead_rate('cohorts.bounced', 'cohorts.sent') }} as bounce_rate
from daily
left join cohorts
  on cohorts.campaign_id = daily.campaign_id and cohorts.sent_date = daily.activity_date
left join {{ ref('stg_smartlead__campaigns') }} as campaigns
  on campaigns.campaign_id = daily.campaign_id
