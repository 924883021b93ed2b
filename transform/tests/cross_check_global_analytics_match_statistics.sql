-- Cross-check: the account-wide analytics agree with the per-campaign statistics rows, day by
-- day over the days the analytics streams cover. By send date: the emails sent that day, and
-- how many of them have a reply and a bounce; by event date: sends, and replies by the day
-- they came. Per campaign: campaign_daily_stats' sends per day equal the statistics rows.
-- Both sides count UTC days only when the tap's `timezone` is UTC (statistics dates are UTC):
-- set the var smartlead_analytics_timezone to anything else to skip this test.
-- While a campaign is gone (deleted in Smartlead; stg_smartlead__gone_campaigns warns), the
-- account's analytics still count its sends but its statistics rows are out of staging: the
-- account's days are then not compared, and the campaigns' only for live campaigns.
-- Rows returned are the disagreements.
{{ config(severity=var('smartlead_cross_check_severity', 'error'),
          enabled=var('smartlead_analytics_timezone', 'UTC') == 'UTC') }}

-- Replies as the marts count them (int_smartlead__emails: a thread's REPLY names its email, so
-- a reply the statistics row missed still counts), not the statistics rows' own reply_time.
with statistics as (
  select statistics.campaign_id, statistics.sent_date, statistics.is_bounced, emails.replied_at
  from {{ ref('stg_smartlead__campaign_statistics') }} as statistics
  join {{ ref('int_smartlead__emails') }} as emails
    on emails.campaign_id = statistics.campaign_id and emails.stats_id = statistics.stats_id
),

covered as (
  select min(activity_date) as first_day, max(activity_date) as last_day
  from {{ ref('smartlead__account_daily') }}
),

by_send as (
  select sent_date as activity_date, count(*) as sent,
         sum(case when replied_at is not null then 1 else 0 end) as replied,
         sum(case when is_bounced then 1 else 0 end) as bounced
  from statistics
  group by sent_date
),

replies as (
  select cast(replied_at as date) as activity_date, count(*) as replied
  from statistics
  where replied_at is not null
  group by cast(replied_at as date)
),

account as (
  select account.*
  from {{ ref('smartlead__account_daily') }} as account
),

account_checks as (
  select
    'account' as scope, cast(null as bigint) as campaign_id, account.activity_date,
    account.sent_by_send_date as analytics_sent, coalesce(by_send.sent, 0) as statistics_sent,
    account.replied_by_send_date as analytics_replied,
    coalesce(by_send.replied, 0) as statistics_replied,
    account.bounced_by_send_date as analytics_bounced,
    coalesce(by_send.bounced, 0) as statistics_bounced,
    account.sent_count as analytics_sent_by_event,
    account.replied_count as analytics_replied_by_event,
    coalesce(replies.replied, 0) as statistics_replied_by_event
  from account
  left join by_send on by_send.activity_date = account.activity_date
  left join replies on replies.activity_date = account.activity_date
),

campaign_days as (
  select campaign_id, activity_date, sent
  from {{ ref('stg_smartlead__campaign_daily_stats') }}
  where campaign_id in (select campaign_id from {{ ref('stg_smartlead__campaigns') }})
),

campaign_stats as (
  select campaign_id, sent_date as activity_date, count(*) as sent
  from statistics, covered
  where sent_date between covered.first_day and covered.last_day
  group by campaign_id, sent_date
),

campaign_checks as (
  select
    coalesce(campaign_days.campaign_id, campaign_stats.campaign_id) as campaign_id,
    coalesce(campaign_days.activity_date, campaign_stats.activity_date) as activity_date,
    coalesce(campaign_days.sent, 0) as analytics_sent,
    coalesce(campaign_stats.sent, 0) as statistics_sent
  from campaign_days
  full outer join campaign_stats
    on campaign_stats.campaign_id = campaign_days.campaign_id
    and campaign_stats.activity_date = campaign_days.activity_date
)

select scope, campaign_id, activity_date, analytics_sent, statistics_sent
from account_checks
where (select count(*) from {{ ref('stg_smartlead__gone_campaigns') }}) = 0
  and (analytics_sent <> statistics_sent
  or analytics_replied <> statistics_replied
  or analytics_bounced <> statistics_bounced
  or analytics_sent_by_event <> statistics_sent
  or analytics_replied_by_event <> statistics_replied_by_event)
union all
select 'campaign' as scope, campaign_id, activity_date, analytics_sent, statistics_sent
from campaign_checks
where analytics_sent <> statistics_sent
