-- Each sending mailbox's figures per day with activity (by event date); rates as fractions (the
-- API's percent / 100, by event date: above 1 on a quiet day).
with stats as (
{{ smartlead_staging('mailbox_daily_stats', keys=['from_email', 'activity_date'], columns=[
    ['from_email', 'text'],
    ['date', 'date', 'activity_date'],
    ['email_account_id', 'id'],
    ['sent', 'count'],
    ['opened', 'count'],
    ['replied', 'count'],
    ['positive_replied', 'count'],
    ['bounced', 'count'],
    ['unique_lead_count', 'count'],
    ['unique_open_count', 'count'],
    ['open_rate', 'number'],
    ['reply_rate', 'number'],
    ['bounce_rate', 'number'],
    ['timezone', 'text', 'tap_timezone'],
    ['extra_fields', 'json'],
]) }}
)

select
  from_email,
  activity_date,
  email_account_id,
  sent,
  opened,
  replied,
  positive_replied,
  bounced,
  unique_lead_count,
  unique_open_count,
  open_rate / 100 as open_rate,
  reply_rate / 100 as reply_rate,
  bounce_rate / 100 as bounce_rate,
  tap_timezone,
  extra_fields,
  extracted_at,
  source_relation
from stats
