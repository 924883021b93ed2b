-- One row per campaign, sequence step and A/B variant (variant_id NULL: a step's sends that
-- name no variant; sequence_id NULL: sends whose step is not known, neither by id nor by its
-- number among the campaign's steps, one row per sequence_number). Variants without a send yet are
-- here with zeros. Counts and per_send_* rates are over the emails sent (int_smartlead__emails:
-- replies from the threads, opens and clicks NULL where the campaign does not track them).
with emails as (
  select
    source_relation,
    campaign_id,
    sequence_id,
    variant_id,
    -- Sends of no known step are told apart by their number, not lumped under the highest.
    case when sequence_id is null then sequence_number end as unknown_step_number,
    max(sequence_number) as seq_number,
    count(*) as sent,
    sum({{ smartlead_flag('is_opened') }}) as opened,
    sum({{ smartlead_flag('is_clicked') }}) as clicked,
    sum({{ smartlead_flag('is_replied') }}) as replied,
    sum({{ smartlead_flag('is_bounced') }}) as bounced,
    sum({{ smartlead_flag('is_unsubscribed') }}) as unsubscribed
  from {{ ref('int_smartlead__emails') }}
  group by source_relation, campaign_id, sequence_id, variant_id,
    case when sequence_id is null then sequence_number end
),

variants as (
  select source_relation, campaign_id, sequence_id, seq_number, variant_id, variant_label
  from {{ ref('stg_smartlead__sequence_variants') }}
  where not coalesce(is_deleted, false)
),

steps as (
  select source_relation, campaign_id, sequence_id, seq_number
  from {{ ref('stg_smartlead__campaign_sequences') }}
),

keyed as (
  select distinct source_relation, campaign_id, sequence_id, variant_id, unknown_step_number
  from (
    select source_relation, campaign_id, sequence_id, variant_id,
           cast(null as {{ smartlead_type('count') }}) as unknown_step_number
    from variants
    union all
    select source_relation, campaign_id, sequence_id, variant_id, unknown_step_number
    from emails
  ) as every_key
),

campaigns as (
  select source_relation, campaign_id, campaign_name, tracks_opens, tracks_clicks
  from {{ ref('stg_smartlead__campaigns') }}
)

select
  {{ dbt.concat([
      "cast(keyed.campaign_id as " ~ dbt.type_string() ~ ")", "'-'",
      "coalesce(cast(keyed.sequence_id as " ~ dbt.type_string() ~ "), " ~ dbt.concat(["'none'", "coalesce(cast(keyed.unknown_step_number as " ~ dbt.type_string() ~ "), '')"]) ~ ")", "'-'",
      "coalesce(cast(keyed.variant_id as " ~ dbt.type_string() ~ "), 'none')"]) }}
    as step_variant_key,
  keyed.source_relation,
  keyed.campaign_id,
  campaigns.campaign_name,
  keyed.sequence_id,
  coalesce(steps.seq_number, variants.seq_number, emails.seq_number) as seq_number,
  keyed.variant_id,
  coalesce(variants.variant_label, case when keyed.variant_id is null then '-' end)
    as variant_label,
  cast(coalesce(emails.sent, 0) as bigint) as sent_count,
  case when campaigns.tracks_opens then cast(coalesce(emails.opened, 0) as bigint) end
    as opened_count,
  case when campaigns.tracks_clicks then cast(coalesce(emails.clicked, 0) as bigint) end
    as clicked_count,
  cast(coalesce(emails.replied, 0) as bigint) as replied_count,
  cast(coalesce(emails.bounced, 0) as bigint) as bounced_count,
  cast(coalesce(emails.unsubscribed, 0) as bigint) as unsubscribed_count,
  case when campaigns.tracks_opens then {{ smartlead_rate('emails.opened', 'emails.sent') }} end
    as per_send_open_rate,
  case when campaigns.tracks_clicks then {{ smartlead_rate('emails.clicked', 'emails.sent') }} end
    as per_send_click_rate,
  {{ smartlead_rate('emails.replied', 'emails.sent') }} as per_send_reply_rate,
  {{ smartlead_rate('emails.bounced', 'emails.sent') }} as per_send_bounce_rate
from keyed
join campaigns
  on campaigns.campaign_id = keyed.campaign_id
  and campaigns.source_relation = keyed.source_relation
left join variants
  on variants.campaign_id = keyed.campaign_id and variants.sequence_id = keyed.sequence_id
  and variants.variant_id = keyed.variant_id
  and variants.source_relation = keyed.source_relation
-- NULL-safe: a send that names no step or no variant is still counted.
left join emails
  on emails.campaign_id = keyed.campaign_id
  and coalesce(emails.sequence_id, -1) = coalesce(keyed.sequence_id, -1)
  and coalesce(emails.variant_id, -1) = coalesce(keyed.variant_id, -1)
  and coalesce(emails.unknown_step_number, -1) = coalesce(keyed.unknown_step_number, -1)
  and emails.source_relation = keyed.source_relation
left join steps
  on steps.campaign_id = keyed.campaign_id and steps.sequence_id = keyed.sequence_id
  and steps.source_relation = keyed.source_relation
