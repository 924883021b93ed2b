-- Cross-check: per campaign and analytics window, the emails counted from statistics rows sent
-- within the window equal the analytics-by-date endpoint's sent_count for it: more counted
-- in one window and fewer in another do not cancel out. Both count days in the tap's
-- `timezone` (the tap sends it as time_zone; statistics' sent_date is in the var
-- smartlead_reporting_timezone, which states it), and the windows start at the tap's
-- start_date, where the statistics stream starts too. Tolerance: none; a warning (the API's
-- figures drift: a lead deleted since). Rows returned are the disagreements.
{{ config(severity=var('smartlead_cross_check_severity', 'warn')) }}

with windows as (
  select campaign_id, start_date, end_date, sent_count
  from {{ ref('stg_smartlead__campaign_analytics_by_date') }}
),

counted as (
  select windows.campaign_id, windows.start_date, count(statistics.stats_id) as counted_sent
  from windows
  left join {{ ref('stg_smartlead__campaign_statistics') }} as statistics
    on statistics.campaign_id = windows.campaign_id
    and statistics.sent_date between windows.start_date and windows.end_date
  group by windows.campaign_id, windows.start_date
)

select windows.campaign_id, windows.start_date, windows.end_date,
       windows.sent_count as api_sent, counted.counted_sent
from windows
join counted
  on counted.campaign_id = windows.campaign_id and counted.start_date = windows.start_date
where windows.sent_count <> counted.counted_sent
