-- One row per day (the tap's `timezone`) of the account: what happened that day (by event
-- date: sends, opens, replies, bounces as they occurred) next to how that day's emails have
-- done so far (by send date: of the emails sent that day, how many were replied to, positively,
-- or bounced). Rates are shares (0..1) of the emails sent, by send date: one cohort. Opens are
-- NULL while any campaign does not track them (the API counts its opens all the same).
with by_event as (
  select * from {{ ref('stg_smartlead__account_daily_stats') }}
),

by_send as (
  select * from {{ ref('stg_smartlead__account_daily_stats_by_send_date') }}
),

tracking as (
  select source_relation, count(*) as untracked_campaigns
  from {{ ref('stg_smartlead__campaigns') }}
  where not tracks_opens
  group by source_relation
),

days as (
  select source_relation, activity_date from by_event
  {{ smartlead_union_distinct() }}
  select source_relation, activity_date from by_send
)

select
  days.source_relation,
  days.activity_date,
  coalesce(by_event.sent, 0) as sent_count,
  case when coalesce(tracking.untracked_campaigns, 0) = 0 then coalesce(by_event.opened, 0) end
    as opened_count,
  coalesce(by_event.replied, 0) as replied_count,
  coalesce(by_event.bounced, 0) as bounced_count,
  coalesce(by_event.unsubscribed, 0) as unsubscribed_count,
  coalesce(by_send.sent, 0) as sent_by_send_date,
  case when coalesce(tracking.untracked_campaigns, 0) = 0 then coalesce(by_send.opened, 0) end
    as opened_by_send_date,
  coalesce(by_send.replied, 0) as replied_by_send_date,
  coalesce(by_send.positive_replied, 0) as positive_replied_by_send_date,
  coalesce(by_send.bounced, 0) as bounced_by_send_date,
  coalesce(by_send.unique_lead_reached, 0) as leads_reached,
  {{ smartlead_rate('by_send.replied', 'by_send.sent') }} as reply_rate,
  {{ smartlead_rate('by_send.positive_replied', 'by_send.sent') }} as positive_reply_rate,
  {{ smartlead_rate('by_send.bounced', 'by_send.sent') }} as bounce_rate
from days
left join tracking on tracking.source_relation = days.source_relation
left join by_event
  on by_event.activity_date = days.activity_date
  and by_event.source_relation = days.source_relation
left join by_send
  on by_send.activity_date = days.activity_date
  and by_send.source_relation = days.source_relation
