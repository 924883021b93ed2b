with days as (
{{ smartlead_staging('warmup_stats', keys=['email_account_id', 'warmup_date'], columns=[
    ['email_account_id', 'id'],
    ['date', 'date', 'warmup_date'],
    ['sent_count', 'count'],
    ['reply_count', 'count'],
    ['save_from_spam_count', 'count'],
    ['extra_fields', 'json'],
]) }}
)

select
  email_account_id,
  warmup_date,
  coalesce(sent_count, 0) as warmup_sent_count,
  -- Warmup emails that landed in spam (and were saved from it by the warmup network).
  coalesce(save_from_spam_count, 0) as warmup_spam_count,
  coalesce(sent_count, 0) - coalesce(save_from_spam_count, 0) as warmup_inbox_count,
  coalesce(reply_count, 0) as warmup_reply_count,
  extra_fields,
  extracted_at,
  source_relation
from days
