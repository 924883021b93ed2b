-- Cross-check: for every campaign the analytics endpoint answered for, the leads in
-- campaign_leads equal its campaign_lead_stats.total (the leads listing is read in full,
-- whatever the start_date). A campaign whose answer has no total fails too: nothing to check
-- its leads against is a disagreement, not a pass.
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
where analytics.leads_total is null
   or analytics.leads_total <> coalesce(counted.counted_leads, 0)
