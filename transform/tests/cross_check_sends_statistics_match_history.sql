-- Cross-check, both directions: every campaign email in the statistics is a SENT message of
-- its lead's thread, and every SENT message of a sequence step (email_seq_number set; manual
-- sends from the master inbox have none) is a statistics row, matched on stats_id. Only where
-- both sources read the email: threads the tap synced (a lead with messages), statistics rows
-- from the first one on (the tap reads both from its start_date).
{{ config(severity=var('smartlead_cross_check_severity', 'warn')) }}

with statistics as (
  select campaign_id, stats_id, lead_email, sent_at
  from {{ ref('stg_smartlead__campaign_statistics') }}
),

sent_messages as (
  select distinct messages.campaign_id, messages.stats_id, leads.email as lead_email,
         messages.message_at
  from {{ ref('stg_smartlead__lead_message_history') }} as messages
  join {{ ref('stg_smartlead__campaign_leads') }} as leads
    on leads.campaign_id = messages.campaign_id and leads.lead_id = messages.lead_id
  where messages.message_type = 'SENT' and messages.email_seq_number is not null
),

threads as (
  select distinct campaign_id, lead_email from sent_messages
),

first_statistics as (
  select campaign_id, min(sent_at) as first_sent_at from statistics group by campaign_id
)

select 'statistics row without its SENT message' as disagreement, statistics.campaign_id,
       statistics.stats_id
from statistics
join threads
  on threads.campaign_id = statistics.campaign_id and threads.lead_email = statistics.lead_email
left join sent_messages
  on sent_messages.campaign_id = statistics.campaign_id
  and sent_messages.stats_id = statistics.stats_id
where sent_messages.stats_id is null

union all

select 'SENT message without its statistics row', sent_messages.campaign_id,
       sent_messages.stats_id
from sent_messages
join first_statistics on first_statistics.campaign_id = sent_messages.campaign_id
left join statistics
  on statistics.campaign_id = sent_messages.campaign_id
  and statistics.stats_id = sent_messages.stats_id
where statistics.stats_id is null
  and sent_messages.message_at >= first_statistics.first_sent_at
