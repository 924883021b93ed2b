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
  cast(
    {{ smartlead_json_text('variant.value', 'variant_distribution_percentage') }}
    as {{ smartlead_type('number') }}
  ) as distribution_percentage
from {{ smartlead_json_elements(ref('stg_smartlead__campaign_sequences'), 'sequences',
                                'sequence_variants', 'variant') }}
