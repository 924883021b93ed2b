-- One row per reply a lead sent, with its lead, campaign, the step and variant it answered,
-- and the lead's category.
with replies as (
  select *
  from {{ ref('stg_smartlead__lead_message_history') }}
  where message_type = 'REPLY'
),

leads as (
  select * from {{ ref('stg_smartlead__campaign_leads') }}
)

select
  replies.source_relation,
  replies.campaign_id,
  replies.lead_id,
  replies.message_id,
  replies.message_at as replied_at,
  {{ smartlead_day('replies.message_at') }} as reply_date,
  replies.subject,
  campaigns.campaign_name,
  leads.campaign_lead_map_id,
  leads.email as lead_email,
  replies.stats_id as replied_to_stats_id,
  statistics.sequence_id,
  coalesce(statistics.sequence_number, replies.email_seq_number) as seq_number,
  statistics.variant_id,
  variants.variant_label,
  statistics.sent_at as replied_to_sent_at,
  leads.lead_category_id,
  categories.category_name
from replies
left join leads
  on leads.campaign_id = replies.campaign_id and leads.lead_id = replies.lead_id
  and leads.source_relation = replies.source_relation
left join {{ ref('stg_smartlead__campaign_statistics') }} as statistics
  on statistics.campaign_id = replies.campaign_id and statistics.stats_id = replies.stats_id
  and statistics.source_relation = replies.source_relation
left join {{ ref('stg_smartlead__sequence_variants') }} as variants
  on variants.campaign_id = statistics.campaign_id
  and variants.sequence_id = statistics.sequence_id
  and variants.variant_id = statistics.variant_id
  and variants.source_relation = statistics.source_relation
left join {{ ref('stg_smartlead__lead_categories') }} as categories
  on categories.lead_category_id = leads.lead_category_id
  and categories.source_relation = leads.source_relation
left join {{ ref('stg_smartlead__campaigns') }} as campaigns
  on campaigns.campaign_id = replies.campaign_id
  and campaigns.source_relation = replies.source_relation
