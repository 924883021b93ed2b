-- One row per campaign: its leads and emails, and its rates in both senses, named apart:
--   reply_rate, open_rate, click_rate, bounce_rate: Smartlead's own, over LEADS contacted
--     (leads that replied / leads sent at least one email), the figures its dashboard shows;
--   per_send_*_rate: over EMAILS sent (emails replied to / emails sent).
--   api_reply_rate: the same rate from the API's own all-time analytics (leads replied over
--     unique_sent_count), which also counts sends before the tap's start_date: the figure
--     Smartlead's dashboard shows; reply_rate is the same definition over the emails read.
-- Opens and clicks are NULL for a campaign that does not track them. Interested leads: those
-- whose category's sentiment is positive (lead_funnel.is_interested).
with funnel as (
  select
    source_relation,
    campaign_id,
    count(*) as leads,
    sum({{ smartlead_flag('is_contacted') }}) as contacted,
    sum({{ smartlead_flag('is_opened') }}) as opened,
    sum({{ smartlead_flag('is_clicked') }}) as clicked,
    sum({{ smartlead_flag('first_replied_at is not null') }}) as replied,
    sum({{ smartlead_flag('is_bounced') }}) as bounced,
    sum({{ smartlead_flag('is_interested') }}) as interested
  from {{ ref('smartlead__lead_funnel') }}
  group by source_relation, campaign_id
),

emails as (
  select
    source_relation,
    campaign_id,
    count(*) as sent,
    sum({{ smartlead_flag('is_opened') }}) as opened,
    sum({{ smartlead_flag('is_clicked') }}) as clicked,
    sum({{ smartlead_flag('is_replied') }}) as replied,
    sum({{ smartlead_flag('is_bounced') }}) as bounced
  from {{ ref('int_smartlead__emails') }}
  group by source_relation, campaign_id
)

select
  campaigns.source_relation,
  campaigns.campaign_id,
  campaigns.campaign_name,
  campaigns.status,
  campaigns.campaign_timezone,
  campaigns.tracks_opens,
  campaigns.tracks_clicks,
  cast(coalesce(funnel.leads, 0) as bigint) as leads_count,
  cast(coalesce(funnel.contacted, 0) as bigint) as leads_contacted_count,
  case when campaigns.tracks_opens then cast(coalesce(funnel.opened, 0) as bigint) end
    as leads_opened_count,
  case when campaigns.tracks_clicks then cast(coalesce(funnel.clicked, 0) as bigint) end
    as leads_clicked_count,
  cast(coalesce(funnel.replied, 0) as bigint) as leads_replied_count,
  cast(coalesce(funnel.bounced, 0) as bigint) as leads_bounced_count,
  cast(coalesce(funnel.interested, 0) as bigint) as leads_interested_count,
  cast(coalesce(emails.sent, 0) as bigint) as emails_sent_count,
  case when campaigns.tracks_opens then cast(coalesce(emails.opened, 0) as bigint) end
    as emails_opened_count,
  case when campaigns.tracks_clicks then cast(coalesce(emails.clicked, 0) as bigint) end
    as emails_clicked_count,
  cast(coalesce(emails.replied, 0) as bigint) as emails_replied_count,
  cast(coalesce(emails.bounced, 0) as bigint) as emails_bounced_count,
  {{ smartlead_rate('funnel.replied', 'funnel.contacted') }} as reply_rate,
  case when campaigns.tracks_opens then {{ smartlead_rate('funnel.opened', 'funnel.contacted') }} end
    as open_rate,
  case when campaigns.tracks_clicks then {{ smartlead_rate('funnel.clicked', 'funnel.contacted') }} end
    as click_rate,
  {{ smartlead_rate('funnel.bounced', 'funnel.contacted') }} as bounce_rate,
  {{ smartlead_rate('emails.replied', 'emails.sent') }} as per_send_reply_rate,
  case when campaigns.tracks_opens then {{ smartlead_rate('emails.opened', 'emails.sent') }} end
    as per_send_open_rate,
  case when campaigns.tracks_clicks then {{ smartlead_rate('emails.clicked', 'emails.sent') }} end
    as per_send_click_rate,
  {{ smartlead_rate('emails.bounced', 'emails.sent') }} as per_send_bounce_rate,
  analytics.unique_sent_count as api_leads_contacted_count,
  analytics.reply_count as api_leads_replied_count,
  {{ smartlead_rate('analytics.reply_count', 'analytics.unique_sent_count') }} as api_reply_rate
from {{ ref('stg_smartlead__campaigns') }} as campaigns
left join funnel
  on funnel.campaign_id = campaigns.campaign_id
  and funnel.source_relation = campaigns.source_relation
left join emails
  on emails.campaign_id = campaigns.campaign_id
  and emails.source_relation = campaigns.source_relation
left join {{ ref('stg_smartlead__campaign_analytics') }} as analytics
  on analytics.campaign_id = campaigns.campaign_id
  and analytics.source_relation = campaigns.source_relation
