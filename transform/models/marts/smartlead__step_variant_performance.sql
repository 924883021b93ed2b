-- One row per campaign, sequence step and A/B variant (variant_id NULL: a step's sends that
-- name no variant). Variants without a send yet are here with zeros.
with statistics as (
  select
    campaign_id,
    sequence_id,
    variant_id,
    max(sequence_number) as seq_number,
    count(*) as sent,
    sum({{ smartlead_flag('opened_at is not null') }}) as opened,
    sum({{ smartlead_flag('clicked_at is not null') }}) as clicked,
    sum({{ smartlead_flag('replied_at is not null') }}) as replied,
    sum({{ smartlead_flag('is_bounced') }}) as bounced,
    sum({{ smartlead_flag('is_unsubscribed') }}) as unsubscribed
  from {{ ref('stg_smartlead__campaign_statistics') }}
  group by campaign_id, sequence_id, variant_id
),

variants as (
  select campaign_id, sequence_id, seq_number, variant_id, variant_label
  from {{ ref('stg_smartlead__sequence_variants') }}
  where not coalesce(is_deleted, false)
),

steps as (
  select campaign_id, sequence_id, seq_number
  from {{ ref('stg_smartlead__campaign_sequences') }}
),

keyed as (
  select campaign_id, sequence_id, variant_id from variants
  {{ smartlead_union_distinct() }}
  select campaign_id, sequence_id, variant_id from statistics
)

select
  {{ dbt.concat([
      "cast(keyed.campaign_id as " ~ dbt.type_string() ~ ")", "'-'",
      "coalesce(cast(keyed.sequence_id as " ~ dbt.type_string() ~ "), 'none')", "'-'",
      "coalesce(cast(keyed.variant_id as " ~ dbt.type_string() ~ "), 'none')"]) }}
    as step_variant_key,
  keyed.campaign_id,
  campaigns.campaign_name,
  keyed.sequence_id,
  coalesce(steps.seq_number, variants.seq_number, statistics.seq_number) as seq_number,
  keyed.variant_id,
  coalesce(variants.variant_label, case when keyed.variant_id is null then '-' end)
    as variant_label,
  cast(coalesce(statistics.sent, 0) as bigint) as sent_count,
  cast(coalesce(statistics.opened, 0) as bigint) as opened_count,
  cast(coalesce(statistics.clicked, 0) as bigint) as clicked_count,
  cast(coalesce(statistics.replied, 0) as bigint) as replied_count,
  cast(coalesce(statistics.bounced, 0) as bigint) as bounced_count,
  cast(coalesce(statistics.unsubscribed, 0) as bigint) as unsubscribed_count,
  {{ smartlead_rate('statistics.opened', 'statistics.sent') }} as open_rate,
  {{ smartlead_rate('statistics.clicked', 'statistics.sent') }} as click_rate,
  {{ smartlead_rate('statistics.replied', 'statistics.sent') }} as reply_rate,
  {{ smartlead_rate('statistics.bounced', 'statistics.sent') }} as bounce_rate
from keyed
left join variants
  on variants.campaign_id = keyed.campaign_id and variants.sequence_id = keyed.sequence_id
  and variants.variant_id = keyed.variant_id
left join statistics
  on statistics.campaign_id = keyed.campaign_id and statistics.sequence_id = keyed.sequence_id
  and coalesce(statistics.variant_id, -1) = coalesce(keyed.variant_id, -1)
left join steps
  on steps.campaign_id = keyed.campaign_id and steps.sequence_id = keyed.sequence_id
left join {{ ref('stg_smartlead__campaigns') }} as campaigns
  on campaigns.campaign_id = keyed.campaign_id
