-- The API's daily analytics rows are in the tap's `timezone`; the marts count every day in the
-- var smartlead_reporting_timezone. A row that records another zone (the var not set to the
-- tap's, or the tap's changed mid-history) puts two zones' days side by side: named here, per
-- table and zone. A warning: the rows are right, the var or the history needs a decision.
-- Rows without a zone (loaded before the tap recorded it) are not judged.
{{ config(severity='warn') }}

{%- set tables = ['account_daily_stats', 'account_daily_stats_by_send_date',
                  'campaign_daily_stats', 'mailbox_daily_stats', 'client_daily_stats',
                  'reply_category_daily', 'campaign_analytics_by_date'] %}
{%- for table in tables %}
select '{{ table }}' as source_table, tap_timezone, count(*) as rows_in_zone
from {{ ref('stg_smartlead__' ~ table) }}
where tap_timezone is not null
  and tap_timezone <> '{{ var('smartlead_reporting_timezone', 'UTC') }}'
group by tap_timezone
{{ 'union all' if not loop.last }}
{%- endfor %}
