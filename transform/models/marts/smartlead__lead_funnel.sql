-- One row per lead in a campaign (campaign_lead_map_id): where it is in the funnel.
with leads as (
  select * from {{ ref('stg_smartlead__campaign_leads') }}
),

statistics as (
  select
    campaign_id,
    lead_email,
    min(sent_at) as first_sent_at,
    min(opened_at) as first_opened_at,
    min(clicked_at) as first_clicked_at,
    min(replied_at) as first_replied_at,
    count(*) as emails_sent,
    max(sequence_number) as last_step_sent,
    max({{ smartlead_flag('is_bounced') }}) as bounced,
    max({{ smartlead_flag('is_unsubscribed') }}) as unsubscribed
  from {{ ref('stg_smartlead__campaign_statistics') }}
  group by campaign_id, lead_email
),

messages as (
  select
    campaign_id,
    lead_id,
    min(case when message_type = 'SENT' then message_at end) as first_sent_at,
    min(case when message_type = 'REPLY' then message_at end) as first_replied_at,
    sum({{ smartlead_flag("message_type = 'REPLY'") }}) as replies
  from {{ ref('stg_smartlead__lead_message_history') }}
  group by campaign_id, lead_id
),

categories as (
  select * from {{ ref('stg_smartlead__lead_categories') }}
),

-- The API's own per-lead counts and interest flag (the leads export), where synced.
engagement as (
  select * from {{ ref('stg_smartlead__lead_engagement') }}
),

joined as (
  select
    leads.campaign_id,
    leads.campaign_lead_map_id,
    leads.lead_id,
    leads.email,
    leads.first_name,
    leads.last_name,
    leads.company_name,
    leads.created_at as added_at,
    leads.status as lead_status,
    leads.lead_category_id,
    categories.category_name,
    coalesce(
      engagement.is_interested,
      categories.sentiment_type = 'positive',
      categories.category_name in (
        {%- for name in var('smartlead_interested_categories') %}
        '{{ name }}'{{ ',' if not loop.last }}
        {%- endfor %}
      ),
      false
    ) as is_interested,
    {{ smartlead_earliest('statistics.first_sent_at', 'messages.first_sent_at') }}
      as first_sent_at,
    statistics.first_opened_at,
    statistics.first_clicked_at,
    {{ smartlead_earliest('statistics.first_replied_at', 'messages.first_replied_at') }}
      as first_replied_at,
    cast(coalesce(statistics.emails_sent, 0) as bigint) as emails_sent,
    cast(coalesce(messages.replies, 0) as bigint) as replies_received,
    coalesce(statistics.last_step_sent, engagement.last_email_sequence_sent) as last_step_sent,
    engagement.open_count as api_open_count,
    engagement.click_count as api_click_count,
    engagement.reply_count as api_reply_count,
    coalesce(statistics.bounced, 0) = 1 as is_bounced,
    coalesce(statistics.unsubscribed, 0) = 1 or coalesce(leads.is_unsubscribed, false)
      as is_unsubscribed
  from leads
  left join statistics
    on statistics.campaign_id = leads.campaign_id and statistics.lead_email = leads.email
  left join messages
    on messages.campaign_id = leads.campaign_id and messages.lead_id = leads.lead_id
  left join categories
    on categories.lead_category_id = leads.lead_category_id
  left join engagement
    on engagement.campaign_id = leads.campaign_id
    and engagement.campaign_lead_map_id = leads.campaign_lead_map_id
)

select
  joined.*,
  case
    when first_replied_at is not null then 'replied'
    when is_bounced then 'bounced'
    when first_opened_at is not null then 'opened'
    when first_sent_at is not null then 'contacted'
    else 'not_contacted'
  end as funnel_stage
from joined
