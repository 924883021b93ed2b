-- campaign_sequences.sequence_variants unpacked: one row per A/B variant of a sequence step.
select
  sequences.campaign_id,
  sequences.sequence_id,
  sequences.seq_number,
  sequences.source_relation,
  cast({{ smartlead_json_text('variant.value', 'id') }} as bigint) as variant_id,
  {{ smartlead_json_text('variant.value', 'variant_label') }} as variant_label,
  {{ smartlead_json_text('variant.value', 'subject') }} as subject,
  cast({{ smartlead_json_text('variant.value', 'is_deleted') }} as boolean) as is_deleted,
  -- The share of the step's leads this variant gets, a fraction (the API's percentage / 100).
  cast(
    {{ smartlead_json_text('variant.value', 'variant_distribution_percentage') }}
    as {{ smartlead_type('number') }}
  ) / 100 as distribution_share
from {{ smartlead_json_elements(ref('stg_smartlead__campaign_sequences'), 'sequences',
                                'sequence_variants', 'variant') }}
