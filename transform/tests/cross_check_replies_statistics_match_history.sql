-- Cross-check: per campaign, the statistics rows marked replied (reply_time) equal the emails
-- a REPLY in the threads names (stats_id). The marts count replies from the threads, which
-- are re-read on every run; a statistics row is re-read only statistics_lookback_days after
-- its send, so a late reply leaves it stale. A disagreement here says the statistics are
-- stale (the marts are not): a warning (severity var smartlead_cross_check_severity).
{{ config(severity=var('smartlead_cross_check_severity', 'warn')) }}

select
  campaign_id,
  sum({{ smartlead_flag('statistics_replied_at is not null') }}) as statistics_replied,
  sum({{ smartlead_flag('history_replied_at is not null') }}) as history_replied
from {{ ref('int_smartlead__emails') }}
group by campaign_id
having sum({{ smartlead_flag('statistics_replied_at is not null') }})
    <> sum({{ smartlead_flag('history_replied_at is not null') }})
