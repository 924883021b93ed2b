-- Cross-check: per campaign, the funnel's interested leads (is_interested, the API's own
-- flag) equal the analytics endpoint's campaign_lead_stats.interested, where it sends one.
{{ config(severity=var('smartlead_cross_check_severity', 'error')) }}

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
  and analytics.leads_interested <> coalesce(counted.interested, 0)
