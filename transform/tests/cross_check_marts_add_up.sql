-- Cross-check: the marts add up to the staging rows they summarise (no row lost or doubled
-- by a join): per campaign, sends in campaign_performance_daily and step_variant_performance
-- equal the statistics rows, replies in campaign_performance_daily and replies equal the
-- REPLY messages, and the lead funnel has one row per campaign lead.
{{ config(severity=var('smartlead_cross_check_severity', 'error')) }}

with campaigns as (
  select campaign_id from {{ ref('stg_smartlead__campaigns') }}
),

{%- set sums = [
    ('stats_sent', 'count(*)', 'stg_smartlead__campaign_statistics', 'true'),
    ('daily_sent', 'sum(sent_count)', 'smartlead__campaign_performance_daily', 'true'),
    ('variant_sent', 'sum(sent_count)', 'smartlead__step_variant_performance', 'true'),
    ('history_replies', 'count(*)', 'stg_smartlead__lead_message_history', "message_type = 'REPLY'"),
    ('daily_replies', 'sum(reply_count)', 'smartlead__campaign_performance_daily', 'true'),
    ('mart_replies', 'count(*)', 'smartlead__replies', 'true'),
    ('leads', 'count(*)', 'stg_smartlead__campaign_leads', 'true'),
    ('funnel_leads', 'count(*)', 'smartlead__lead_funnel', 'true'),
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
where daily_sent <> stats_sent or variant_sent <> stats_sent
   or daily_replies <> history_replies or mart_replies <> history_replies
   or funnel_leads <> leads
