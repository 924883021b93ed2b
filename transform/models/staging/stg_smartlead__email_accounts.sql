with mailboxes as (
{{ smartlead_staging('email_accounts', keys=['email_account_id'], columns=[
    ['id', 'id', 'email_account_id'],
    ['from_email', 'text'],
    ['from_name', 'text'],
    ['type', 'text', 'account_type'],
    ['client_id', 'id'],
    ['message_per_day', 'count'],
    ['daily_sent_count', 'count'],
    ['is_smtp_success', 'boolean'],
    ['is_imap_success', 'boolean'],
    ['warmup_details', 'json'],
    ['created_at', 'timestamp'],
    ['updated_at', 'timestamp'],
    ['extra_fields', 'json'],
]) }}
)

select
  email_account_id,
  lower(from_email) as from_email,
  from_name,
  account_type,
  client_id,
  message_per_day,
  daily_sent_count,
  is_smtp_success,
  is_imap_success,
  -- warmup_details, unpacked (the tap already turned "97%" into 97).
  {{ smartlead_json_text('warmup_details', 'status') }} as warmup_status,
  cast({{ smartlead_json_text('warmup_details', 'warmup_reputation') }}
       as {{ smartlead_type('number') }}) as warmup_reputation,
  cast({{ smartlead_json_text('warmup_details', 'total_sent_count') }} as bigint)
    as warmup_total_sent_count,
  cast({{ smartlead_json_text('warmup_details', 'total_spam_count') }} as bigint)
    as warmup_total_spam_count,
  created_at,
  updated_at,
  extra_fields,
  extracted_at,
  source_relation
from mailboxes
