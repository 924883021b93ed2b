-- One row per lead in a campaign (campaign_lead_map_id): where it is in the funnel.
--   Sends, opens and clicks from int_smartlead__emails (opens and clicks NULL where the
--   campaign does not track them); replies from the lead's thread (re-read on every run).
--   is_interested: the lead's category has sentiment_type 'positive' (lead_categories): the
--     one definition of interested in the marts (the API's positive_replied counts the same
--     sentiment; a custom positive category such as "Referral" counts, as in Smartlead).
with leads as (
  select * from {{ ref('stg_smartlead__campaign_leads') }}
),

campaigns as (
  select source_relation, campaign_id, tracks_opens, tracks_clicks
  from {{ ref('stg_smartlead__campaigns') }}
),

emails as (
  select
    source_relation,
    campaign_id,
    lead_email,
    min(sent_at) as first_sent_at,
    min(opened_at) as first_opened_at,
    max({{ smartlead_flag('is_opened') }}) as opened,
    min(clicked_at) as first_clicked_at,
    max({{ smartlead_flag('is_clicked') }}) as clicked,
    min(replied_at) as first_replied_at,
    count(*) as emails_sent,
    max(sequence_number) as last_step_sent,
    max({{ smartlead_flag('is_bounced') }}) as bounced,
    max({{ smartlead_flag('is_unsubscribed') }}) as unsubscribed
  from {{ ref('int_smartlead__emails') }}
  group by source_relation, campaign_id, lead_email
),

messages as (
  select
    source_relation,
    campaign_id,
    lead_id,
    min(case when message_type = 'SENT' then message_at end) as first_sent_at,
    min(case when message_type = 'REPLY' then message_at end) as first_replied_at,
    sum({{ smartlead_flag("message_type = 'REPLY'") }}) as replies
  from {{ ref('stg_smartlead__lead_message_history') }}
  group by source_relation, campaign_id, lead_id
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
    leads.source_relation,
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
    categories.sentiment_type as category_sentiment,
    coalesce(lower(categories.sentiment_type) = 'positive', false) as is_interested,
    {{ smartlead_earliest('emails.first_sent_at', 'messages.first_sent_at') }}
      as first_sent_at,
    case when campaigns.tracks_opens then emails.first_opened_at end as first_opened_at,
    case when campaigns.tracks_opens then coalesce(emails.opened, 0) = 1 end as is_opened,
    case when campaigns.tracks_clicks then emails.first_clicked_at end as first_clicked_at,
    case when campaigns.tracks_clicks then coalesce(emails.clicked, 0) = 1 end as is_clicked,
    {{ smartlead_earliest('emails.first_replied_at', 'messages.first_replied_at') }}
      as first_replied_at,
    cast(coalesce(emails.emails_sent, 0) as bigint) as emails_sent,
    cast(coalesce(messages.replies, 0) as bigint) as replies_received,
    coalesce(emails.last_step_sent, engagement.last_email_sequence_sent) as last_step_sent,
    case when campaigns.tracks_opens then engagement.open_count end as api_open_count,
    case when campaigns.tracks_clicks then engagement.click_count end as api_click_count,
    engagement.reply_count as api_reply_count,
    coalesce(emails.bounced, 0) = 1 as is_bounced,
    coalesce(emails.unsubscribed, 0) = 1 or coalesce(leads.is_unsubscribed, false)
      as is_unsubscribed
  from leads
  join campaigns
    on campaigns.campaign_id = leads.campaign_id
    and campaigns.source_relation = leads.source_relation
  left join emails
    on emails.campaign_id = leads.campaign_id and emails.lead_email = leads.email
    and emails.source_relation = leads.source_relation
  left join messages
    on messages.campaign_id = leads.campaign_id and messages.lead_id = leads.lead_id
    and messages.source_relation = leads.source_relation
  left join categories
    on categories.lead_category_id = leads.lead_category_id
    and categories.source_relation = leads.source_relation
  left join engagement
    on engagement.campaign_id = leads.campaign_id
    and engagement.source_relation = leads.source_relation
    and engagement.campaign_lead_map_id = leads.campaign_lead_map_id
)

select
  joined.*,
  -- Contacted (Smartlead's "leads contacted"): an email was sent to it, or it replied to one
  -- sent before the tap's start_date.
  first_sent_at is not null or first_replied_at is not null as is_contacted,
  case
    when first_replied_at is not null then 'replied'
    when is_bounced then 'bounced'
    when is_opened then 'opened'
    when first_sent_at is not null then 'contacted'
    else 'not_contacted'
  end as funnel_stage
from joined
