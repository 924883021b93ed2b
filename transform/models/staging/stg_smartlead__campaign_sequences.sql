with sequences as (
{{ smartlead_staging('campaign_sequences', keys=['campaign_id', 'sequence_id'], columns=[
    ['campaign_id', 'id'],
    ['id', 'id', 'sequence_id'],
    ['seq_number', 'count'],
    ['subject', 'text'],
    ['email_body', 'text'],
    ['seq_delay_details', 'json'],
    ['sequence_variants', 'json'],
    ['created_at', 'timestamp'],
    ['updated_at', 'timestamp'],
    ['extra_fields', 'json'],
], campaign_scoped=true) }}
)

select
  campaign_id,
  sequence_id,
  seq_number,
  subject,
  email_body,
  -- The older API reference documents {"delay_in_days": n}, the live API sends {"delayInDays": n}.
  cast(coalesce(
    {{ smartlead_json_text('seq_delay_details', 'delayInDays') }},
    {{ smartlead_json_text('seq_delay_details', 'delay_in_days') }}
  ) as bigint) as delay_in_days,
  sequence_variants,
  created_at,
  updated_at,
  extra_fields,
  extracted_at,
  source_relation
from sequences
