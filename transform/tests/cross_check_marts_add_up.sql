-- Cross-check: the marts add up to the staging rows they summarise (no row lost or doubled
-- by a join): per campaign, sends in campaign_performance_daily, step_variant_performance and
-- campaign_performance equal the statistics rows; emails replied in step_variant_performance
-- and campaign_performance equal the statistics rows a thread's REPLY names or that say
-- replied; replies in campaign_performance_daily and replies equal the REPLY messages; the
-- lead funnel and campaign_performance have one lead per campaign lead.
{{ config(severity=var('smartlead_cross_check_severity', 'error')) }}

with campaigns as (
  select campaign_id from {{ ref('stg_smartlead__campaigns') }}
),

{%- set sums = [
    ('stats_sent', 'count(*)', 'stg_smartlead__campaign_statistics', 'true'),
    ('daily_sent', 'sum(sent_count)', 'smartlead__campaign_performance_daily', 'true'),
    ('variant_sent', 'sum(sent_count)', 'smartlead__step_variant_performance', 'true'),
    ('campaign_sent', 'sum(emails_sent_count)', 'smartlead__campaign_performance', 'true'),
    ('stats_replied', 'count(*)', 'stg_smartlead__campaign_statistics',
     "replied_at is not null or stats_id in (select stats_id from "
     ~ ref('stg_smartlead__lead_message_history') ~ " where message_type = 'REPLY')"),
    ('variant_replied', 'sum(replied_count)', 'smartlead__step_variant_performance', 'true'),
    ('campaign_replied', 'sum(emails_replied_count)', 'smartlead__campaign_performance', 'true'),
    ('history_replies', 'count(*)', 'stg_smartlead__lead_message_history', "message_type = 'REPLY'"),
    ('daily_replies', 'sum(reply_count)', 'smartlead__campaign_performance_daily', 'true'),
    ('mart_replies', 'count(*)', 'smartlead__replies', 'true'),
    ('leads', 'count(*)', 'stg_smartlead__campaign_leads', 'true'),
    ('funnel_leads', 'count(*)', 'smartlead__lead_funnel', 'true'),
    ('campaign_leads', 'sum(leads_count)', 'smartlead__campaign_performance', 'true'),
] %}
{%- for name, aggregate, model, condition in sums %}
{{ name }} as (
  select campaign_id, {{ aggregate }} as n from {{ ref(model) }}
  where {{ condition }} group by campaign_id
),
{%- endfor %}

totals as (
  select
    campaigns.campaign_id
    {%- for name, _, _, _ in sums %},
    coalesce({{ name }}.n, 0) as {{ name }}
    {%- endfor %}
  from campaigns
  {%- for name, _, _, _ in sums %}
  left join {{ name }} on {{ name }}.campaign_id = campaigns.campaign_id
  {%- endfor %}
)

select * from totals
where daily_sent <> stats_sent or variant_sent <> stats_sent or campaign_sent <> stats_sent
   or variant_replied <> stats_replied or campaign_replied <> stats_replied
   or daily_replies <> history_replies or mart_replies <> history_replies
   or funnel_leads <> leads or campaign_leads <> leads
