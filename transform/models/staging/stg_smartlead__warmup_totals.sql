-- The warmup endpoint's 7-day totals as of each day a sync saw them: inbox vs spam.
with totals as (
{{ smartlead_staging('warmup_totals', keys=['email_account_id', 'as_of_date'], columns=[
    ['email_account_id', 'id'],
    ['date', 'date', 'as_of_date'],
    ['sent_count', 'count'],
    ['spam_count', 'count'],
    ['inbox_count', 'count'],
    ['warmup_email_received_count', 'count'],
    ['extra_fields', 'json'],
]) }}
)

select
  email_account_id,
  as_of_date,
  -- Named as stg_smartlead__warmup_stats names the daily counts, over the 7 days.
  coalesce(sent_count, 0) as warmup_sent_count_7d,
  coalesce(spam_count, 0) as warmup_spam_count_7d,
  coalesce(inbox_count, 0) as warmup_inbox_count_7d,
  coalesce(warmup_email_received_count, 0) as warmup_received_count_7d,
  extra_fields,
  extracted_at,
  source_relation
from totals
