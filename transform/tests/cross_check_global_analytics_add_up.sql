-- Cross-check: the account-wide analytics add up. Per day, the campaigns' and the mailboxes'
-- sends, replies and bounces equal the account's (by event date; the API's figures, deleted
-- campaigns included on every side); each client's lie between its live campaigns' and those
-- plus the gone campaigns' (a deleted campaign's client is no longer known); and per live
-- campaign, the mailboxes' lifetime sends are at least the statistics rows the tap read (which
-- start at start_date). Each part only where its API stream has rows (a plan without some
-- /analytics routes). Tolerance: none; a warning: a campaign moved to another client leaves
-- the old client's history with the API, and that drift is named here (scope clients).
-- Rows returned are the disagreements.
{{ config(severity=var('smartlead_cross_check_severity', 'warn')) }}

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

{{ name }}_checks as (
  select '{{ name }}' as scope, cast(null as {{ smartlead_type('id') }}) as group_id,
         account.activity_date, account.sent as expected_sent,
         coalesce({{ name }}.sent, 0) as found_sent
  from account
  left join {{ name }} on {{ name }}.activity_date = account.activity_date
  where exists (select 1 from {{ ref(model) }})
    and (coalesce({{ name }}.sent, 0) <> account.sent
         or coalesce({{ name }}.replied, 0) <> account.replied
         or coalesce({{ name }}.bounced, 0) <> account.bounced)
),
{%- endfor %}

live_campaigns as (
  select campaign_id, client_id from {{ ref('stg_smartlead__campaigns') }}
),

client_campaigns as (
  select live_campaigns.client_id, days.activity_date, sum(days.sent) as sent,
         sum(days.replied) as replied
  from {{ ref('stg_smartlead__campaign_daily_stats') }} as days
  join live_campaigns on live_campaigns.campaign_id = days.campaign_id
  where live_campaigns.client_id is not null
  group by live_campaigns.client_id, days.activity_date
),

gone as (
  select activity_date, sum(sent) as sent, sum(replied) as replied
  from {{ ref('stg_smartlead__campaign_daily_stats') }}
  where campaign_id not in (select campaign_id from live_campaigns)
  group by activity_date
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
  left join gone
    on gone.activity_date = coalesce(clients.activity_date, client_campaigns.activity_date)
  where exists (select 1 from {{ ref('stg_smartlead__client_daily_stats') }})
    and exists (select 1 from {{ ref('stg_smartlead__campaign_daily_stats') }})
    and (coalesce(clients.sent_count, 0) < coalesce(client_campaigns.sent, 0)
         or coalesce(clients.sent_count, 0)
            > coalesce(client_campaigns.sent, 0) + coalesce(gone.sent, 0)
         or coalesce(clients.replied_count, 0) < coalesce(client_campaigns.replied, 0)
         or coalesce(clients.replied_count, 0)
            > coalesce(client_campaigns.replied, 0) + coalesce(gone.replied, 0))
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
  where exists (select 1 from {{ ref('stg_smartlead__campaign_mailbox_statistics') }})
    and coalesce(lifetime.sent, 0) < read_rows.sent
)

select * from campaigns_checks
union all
select * from mailboxes_checks
union all
select * from client_checks
union all
select * from lifetime_checks
