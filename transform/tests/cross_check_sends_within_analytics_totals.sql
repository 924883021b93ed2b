-- Cross-check: per campaign, the emails and leads counted from statistics rows never exceed
-- the analytics endpoint's all-time sent_count and unique_sent_count. They are lower only by
-- the sends before the tap's start_date, which the statistics stream does not read.
{{ config(severity=var('smartlead_cross_check_severity', 'warn')) }}

with counted as (
  select campaign_id, count(*) as counted_sent, count(distinct lead_email) as counted_leads
  from {{ ref('stg_smartlead__campaign_statistics') }}
  group by campaign_id
)

select analytics.campaign_id, analytics.sent_count, analytics.unique_sent_count,
       counted.counted_sent, counted.counted_leads
from {{ ref('stg_smartlead__campaign_analytics') }} as analytics
join counted on counted.campaign_id = analytics.campaign_id
where counted.counted_sent > analytics.sent_count
   or counted.counted_leads > analytics.unique_sent_count
