-- Cross-check: per campaign, the leads in campaign_leads equal the analytics endpoint's
-- campaign_lead_stats.total (the leads listing is read in full, whatever the start_date).
{{ config(severity=var('smartlead_cross_check_severity', 'error')) }}

with counted as (
  select campaign_id, count(*) as counted_leads
  from {{ ref('stg_smartlead__campaign_leads') }}
  group by campaign_id
)

select analytics.campaign_id, analytics.leads_total, coalesce(counted.counted_leads, 0)
  as counted_leads
from {{ ref('stg_smartlead__campaign_analytics') }} as analytics
left join counted on counted.campaign_id = analytics.campaign_id
where analytics.leads_total is not null
  and analytics.leads_total <> coalesce(counted.counted_leads, 0)
