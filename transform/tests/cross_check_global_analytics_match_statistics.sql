-- Cross-check: the account-wide analytics agree with the per-campaign statistics rows, day by
-- day over the days the analytics streams cover, all days in the var
-- smartlead_reporting_timezone (the tap's `timezone`: the API's days, and the statistics'
-- sent_date and reply days counted in the same zone). Account, by send date: the emails sent
-- that day, and how many of them have a reply and a bounce; by event date: sends, and replies
-- by the day they came. Per campaign: campaign_daily_stats' sends per day equal the
-- statistics rows.
-- A campaign deleted in Smartlead narrows the check, it does not switch it off: the account's
-- figures still count it while its statistics rows are out of staging, so each account figure
-- must lie between the live campaigns' count and that count plus the gone campaigns' own
-- figures that day (campaign_daily_stats, which the API keeps for them; by send date their
-- sends are the bound). With nothing gone the bounds meet: an exact match.
-- Each part only where its API stream has rows (a plan without the /analytics routes).
-- Tolerance otherwise none; a warning: a reply later than the tap's analytics look-back leaves
-- the account's by-send-date figure stale, and that is drift, named here.
{{ config(severity=var('smartlead_cross_check_severity', 'warn')) }}

-- Replies as the marts count them (int_smartlead__emails: a thread's REPLY names its email, so
-- a reply the statistics row missed still counts), not the statistics rows' own reply_time.
with statistics as (
  select statistics.campaign_id, statistics.sent_date, statistics.is_bounced, emails.replied_at,
         {{ smartlead_day('emails.replied_at') }} as replied_date
  from {{ ref('stg_smartlead__campaign_statistics') }} as statistics
  join {{ ref('int_smartlead__emails') }} as emails
    on emails.campaign_id = statistics.campaign_id and emails.stats_id = statistics.stats_id
),

by_send as (
  select sent_date as activity_date, count(*) as sent,
         sum({{ smartlead_flag('replied_at is not null') }}) as replied,
         sum({{ smartlead_flag('is_bounced') }}) as bounced
  from statistics
  group by sent_date
),

replies as (
  select replied_date as activity_date, count(*) as replied
  from statistics
  where replied_at is not null
  group by replied_date
),

-- The gone campaigns' own figures per day, as the API still reports them.
gone as (
  select activity_date, sum(sent) as sent, sum(replied) as replied
  from {{ ref('stg_smartlead__campaign_daily_stats') }}
  where campaign_id not in (select campaign_id from {{ ref('stg_smartlead__campaigns') }})
  group by activity_date
),

account_days as (
  select
    account.activity_date,
    account.sent_by_send_date, account.replied_by_send_date, account.bounced_by_send_date,
    account.sent_count, account.replied_count,
    coalesce(by_send.sent, 0) as statistics_sent,
    coalesce(by_send.replied, 0) as statistics_replied,
    coalesce(by_send.bounced, 0) as statistics_bounced,
    coalesce(replies.replied, 0) as statistics_replied_by_event,
    coalesce(gone.sent, 0) as gone_sent,
    coalesce(gone.replied, 0) as gone_replied
  from {{ ref('smartlead__account_daily') }} as account
  left join by_send on by_send.activity_date = account.activity_date
  left join replies on replies.activity_date = account.activity_date
  left join gone on gone.activity_date = account.activity_date
  where exists (select 1 from {{ ref('stg_smartlead__campaign_statistics') }})
),

campaign_days as (
  select campaign_id, activity_date, sent
  from {{ ref('stg_smartlead__campaign_daily_stats') }}
  where campaign_id in (select campaign_id from {{ ref('stg_smartlead__campaigns') }})
),

covered as (
  select min(activity_date) as first_day, max(activity_date) as last_day
  from {{ ref('stg_smartlead__campaign_daily_stats') }}
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

{%- set bounded = [
    ('sent_by_send_date', 'statistics_sent', 'gone_sent'),
    ('replied_by_send_date', 'statistics_replied', 'gone_sent'),
    ('bounced_by_send_date', 'statistics_bounced', 'gone_sent'),
    ('sent_count', 'statistics_sent', 'gone_sent'),
    ('replied_count', 'statistics_replied_by_event', 'gone_replied'),
] %}
{%- for analytics, counted, allowance in bounded %}
select 'account {{ analytics }}' as scope, cast(null as {{ smartlead_type('id') }}) as campaign_id,
       activity_date, {{ analytics }} as analytics_figure, {{ counted }} as statistics_figure,
       {{ allowance }} as gone_campaigns_allowance
from account_days
where {{ analytics }} < {{ counted }} or {{ analytics }} > {{ counted }} + {{ allowance }}
union all
{%- endfor %}
select 'campaign sent' as scope, campaign_id, activity_date, analytics_sent, statistics_sent,
       0 as gone_campaigns_allowance
from campaign_checks
where analytics_sent <> statistics_sent
  and exists (select 1 from campaign_days)
