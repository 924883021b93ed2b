-- Cross-check: the account-wide analytics add up. Per day, the campaigns' and the mailboxes'
-- sends, replies and bounces equal the account's (by event date); each client's equal its
-- campaigns'; and per campaign, the mailboxes' lifetime sends are at least the statistics rows
-- the tap read (which start at start_date). Rows returned are the disagreements.
{{ config(severity=var('smartlead_cross_check_severity', 'error')) }}

with account as (
  select activity_date, sent_count as sent, replied_count as replied, bounced_count as bounced
  from {{ ref('smartlead__account_daily') }}
),

{%- for name, model in [('campaigns', 'stg_smartlead__campaign_daily_stats'),
                        ('mailboxes', 'stg_smartlead__mailbox_daily_stats')] %}
{{ name }} as (
  select activity_date, sum(sent) as sent, sum(replied) as replied, sum(bounced) as bounced
  from {{ ref(model) }}
  group by activity_date
),
{%- endfor %}

parts as (
  select 'campaigns' as scope, * from campaigns
  union all
  select 'mailboxes' as scope, * from mailboxes
),

part_checks as (
  select parts.scope, cast(null as bigint) as group_id, account.activity_date,
         account.sent as expected_sent, coalesce(parts.sent, 0) as found_sent
  from account
  left join parts on parts.activity_date = account.activity_date
  where coalesce(parts.sent, 0) <> account.sent
    or coalesce(parts.replied, 0) <> account.replied
    or coalesce(parts.bounced, 0) <> account.bounced
),

client_campaigns as (
  select campaigns.client_id, days.activity_date, sum(days.sent) as sent,
         sum(days.replied) as replied
  from {{ ref('stg_smartlead__campaign_daily_stats') }} as days
  join {{ ref('stg_smartlead__campaigns') }} as campaigns
    on campaigns.campaign_id = days.campaign_id
  where campaigns.client_id is not null
  group by campaigns.client_id, days.activity_date
),

client_checks as (
  select 'clients' as scope,
         coalesce(clients.client_id, client_campaigns.client_id) as group_id,
         coalesce(clients.activity_date, client_campaigns.activity_date) as activity_date,
         coalesce(client_campaigns.sent, 0) as expected_sent,
         coalesce(clients.sent_count, 0) as found_sent
  from {{ ref('smartlead__client_performance_daily') }} as clients
  full outer join client_campaigns
    on client_campaigns.client_id = clients.client_id
    and client_campaigns.activity_date = clients.activity_date
  where coalesce(clients.sent_count, 0) <> coalesce(client_campaigns.sent, 0)
    or coalesce(clients.replied_count, 0) <> coalesce(client_campaigns.replied, 0)
),

lifetime as (
  select campaign_id, sum(sent_count) as sent
  from {{ ref('stg_smartlead__campaign_mailbox_statistics') }}
  group by campaign_id
),

read_rows as (
  select campaign_id, count(*) as sent
  from {{ ref('stg_smartlead__campaign_statistics') }}
  group by campaign_id
),

lifetime_checks as (
  select 'campaign_mailboxes' as scope, read_rows.campaign_id as group_id,
         cast(null as date) as activity_date, read_rows.sent as expected_sent,
         coalesce(lifetime.sent, 0) as found_sent
  from read_rows
  left join lifetime on lifetime.campaign_id = read_rows.campaign_id
  where coalesce(lifetime.sent, 0) < read_rows.sent
)

-- While a campaign is gone (stg_smartlead__gone_campaigns warns), its rows are out of staging
-- while the account-wide analytics still count it: nothing here can add up, so nothing is
-- compared until it is resolved.
select * from (
  select * from part_checks
  union all
  select * from client_checks
  union all
  select * from lifetime_checks
) as checks
where (select count(*) from {{ ref('stg_smartlead__gone_campaigns') }}) = 0
