-- Cross-check: per campaign, the funnel's interested leads (is_interested: a category with a
-- positive sentiment) are at least the analytics endpoint's campaign_lead_stats.interested
-- (the category "Interested" only, itself positive), where it sends one. Fewer means leads or
-- categories lost; more is a custom positive category (e.g. "Referral"). Tolerance: none
-- below; a warning (a lead deleted since the API counted it drifts).
{{ config(severity=var('smartlead_cross_check_severity', 'warn')) }}

with counted as (
  select campaign_id, sum({{ smartlead_flag('is_interested') }}) as interested
  from {{ ref('smartlead__lead_funnel') }}
  group by campaign_id
)

select analytics.campaign_id, analytics.leads_interested,
       coalesce(counted.interested, 0) as counted_interested
from {{ ref('stg_smartlead__campaign_analytics') }} as analytics
left join counted on counted.campaign_id = analytics.campaign_id
where analytics.leads_interested is not null
  and analytics.leads_interested > coalesce(counted.interested, 0)
