-- Cross-check: for every campaign, the leads in campaign_leads equal the analytics endpoint's
-- campaign_lead_stats.total (the leads listing is read in full, whatever the start_date). A
-- campaign whose answer has no total, or that has no analytics row while other campaigns
-- have one, fails too: nothing to check its leads against is a disagreement, not a pass.
-- (Without the analytics stream synced at all there is nothing to compare.)
{{ config(severity=var('smartlead_cross_check_severity', 'warn')) }}

with counted as (
  select campaign_id, count(*) as counted_leads
  from {{ ref('stg_smartlead__campaign_leads') }}
  group by campaign_id
),

analytics as (
  select campaign_id, leads_total from {{ ref('stg_smartlead__campaign_analytics') }}
)

select campaigns.campaign_id, analytics.leads_total,
       coalesce(counted.counted_leads, 0) as counted_leads
from {{ ref('stg_smartlead__campaigns') }} as campaigns
left join analytics on analytics.campaign_id = campaigns.campaign_id
left join counted on counted.campaign_id = campaigns.campaign_id
where exists (select 1 from analytics)
  and (analytics.leads_total is null
       or analytics.leads_total <> coalesce(counted.counted_leads, 0))
