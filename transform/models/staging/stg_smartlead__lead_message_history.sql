-- One row per message of a lead's thread: SENT (by the campaign, or by hand from the master
-- inbox: then email_seq_number is NULL) or REPLY (from the lead).
with messages as (
{{ smartlead_staging('lead_message_history', keys=['campaign_id', 'lead_id', 'message_id'], columns=[
    ['campaign_id', 'id'],
    ['lead_id', 'id'],
    ['message_id', 'text'],
    ['type', 'text', 'message_type'],
    ['stats_id', 'text'],
    ['time', 'timestamp', 'message_at'],
    ['subject', 'text'],
    ['from', 'text', 'from_email'],
    ['to', 'text', 'to_email'],
    ['email_seq_number', 'text'],
    ['open_count', 'count'],
    ['click_count', 'count'],
    ['extra_fields', 'json'],
], campaign_scoped=true) }}
)

select
  campaign_id,
  lead_id,
  message_id,
  upper(message_type) as message_type,
  stats_id,
  message_at,
  {{ smartlead_day('message_at') }} as message_date,
  subject,
  lower(from_email) as from_email,
  lower(to_email) as to_email,
  -- The live API sends "1" (a string); read either.
  cast(email_seq_number as bigint) as email_seq_number,
  open_count,
  click_count,
  extra_fields,
  extracted_at,
  source_relation
from messages
