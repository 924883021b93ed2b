-- Cross-check: per campaign, the emails counted from statistics rows sent within the analytics
-- windows equal the sum of the analytics-by-date endpoint's sent_count over those windows.
-- Both count sends by send time, in UTC days (the tap asks without a time_zone), and the
-- windows start at the tap's start_date, where the statistics stream starts too.
-- Rows returned are the disagreements.
{{ config(severity=var('smartlead_cross_check_severity', 'error')) }}

with windows as (
  select campaign_id, start_date, end_date, sent_count
  from {{ ref('stg_smartlead__campaign_analytics_by_date') }}
),

api as (
  select campaign_id, min(start_date) as first_day, max(end_date) as last_day,
         sum(sent_count) as api_sent
  from windows
  group by campaign_id
),

counted as (
  select api.campaign_id, count(statistics.stats_id) as counted_sent
  from api
  left join {{ ref('stg_smartlead__campaign_statistics') }} as statistics
    on statistics.campaign_id = api.campaign_id
    and statistics.sent_date between api.first_day and api.last_day
  group by api.campaign_id
)

select api.campaign_id, api.first_day, api.last_day, api.api_sent, counted.counted_sent
from api
join counted on counted.campaign_id = api.campaign_id
where api.api_sent <> counted.counted_sent
