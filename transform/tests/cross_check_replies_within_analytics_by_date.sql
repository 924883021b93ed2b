-- Cross-check: per campaign and analytics window, the API's reply_count lies between the
-- leads that replied in the window and the reply messages received in it (lead message
-- history). The API documents that analytics reply_count counts leads, not emails, while
-- other sources count each reply: either count passes, anything outside the two fails.
{{ config(severity=var('smartlead_cross_check_severity', 'warn')) }}

with windows as (
  select campaign_id, start_date, end_date, reply_count
  from {{ ref('stg_smartlead__campaign_analytics_by_date') }}
),

counted as (
  select
    windows.campaign_id,
    windows.start_date,
    count(replies.message_id) as reply_messages,
    count(distinct replies.lead_id) as replying_leads
  from windows
  left join {{ ref('stg_smartlead__lead_message_history') }} as replies
    on replies.campaign_id = windows.campaign_id
    and replies.message_type = 'REPLY'
    and replies.message_date between windows.start_date and windows.end_date
  group by windows.campaign_id, windows.start_date
)

select windows.campaign_id, windows.start_date, windows.end_date, windows.reply_count,
       counted.replying_leads, counted.reply_messages
from windows
join counted
  on counted.campaign_id = windows.campaign_id and counted.start_date = windows.start_date
where windows.reply_count < counted.replying_leads
   or windows.reply_count > counted.reply_messages
