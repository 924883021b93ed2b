-- One row per campaign email sent (a campaign_statistics row), with what became of it, each
-- fact from the source that is re-read:
--   replied: a REPLY in the lead's thread carries the stats_id of the email it answers, and
--     message history re-reads every active lead's whole thread on every run, while a
--     statistics row is re-read only statistics_lookback_days after it was sent. So an email
--     is replied when a REPLY names it, or when its statistics row says so; replied_at is the
--     earlier of the two.
--   opened / clicked: only where the campaign tracks them (track_settings), else NULL: an
--     untracked open is unknown, not absent. Opened when the statistics row has an open time
--     or an open count, or the thread's SENT message of it has an open count (also re-read).
with statistics as (
  select * from {{ ref('stg_smartlead__campaign_statistics') }}
),

campaigns as (
  select campaign_id, source_relation, tracks_opens, tracks_clicks
  from {{ ref('stg_smartlead__campaigns') }}
),

-- A send that names no step (email_campaign_seq_id NULL) still has its sequence_number: the
-- campaign's step of that number is its step.
steps as (
  select source_relation, campaign_id, seq_number, min(sequence_id) as sequence_id
  from {{ ref('stg_smartlead__campaign_sequences') }}
  group by source_relation, campaign_id, seq_number
  having count(*) = 1
),

history as (
  select
    source_relation,
    campaign_id,
    stats_id,
    min(lead_id) as lead_id,
    min(case when message_type = 'REPLY' then message_at end) as first_reply_at,
    sum({{ smartlead_flag("message_type = 'REPLY'") }}) as replies,
    max(case when message_type = 'SENT' then open_count end) as sent_open_count,
    max(case when message_type = 'SENT' then click_count end) as sent_click_count
  from {{ ref('stg_smartlead__lead_message_history') }}
  where stats_id is not null
  group by source_relation, campaign_id, stats_id
),

merged as (
  select
    statistics.source_relation,
    statistics.campaign_id,
    statistics.stats_id,
    history.lead_id,
    statistics.lead_email,
    statistics.sequence_number,
    coalesce(statistics.sequence_id, steps.sequence_id) as sequence_id,
    statistics.variant_id,
    statistics.sent_at,
    {{ smartlead_day('statistics.sent_at') }} as sent_day,
    campaigns.tracks_opens,
    campaigns.tracks_clicks,
    case when campaigns.tracks_opens then statistics.opened_at end as opened_at,
    case when campaigns.tracks_opens then
      statistics.opened_at is not null or statistics.open_count > 0
      or coalesce(history.sent_open_count, 0) > 0
    end as is_opened,
    case when campaigns.tracks_clicks then statistics.clicked_at end as clicked_at,
    case when campaigns.tracks_clicks then
      statistics.clicked_at is not null or statistics.click_count > 0
      or coalesce(history.sent_click_count, 0) > 0
    end as is_clicked,
    {{ smartlead_earliest('history.first_reply_at', 'statistics.replied_at') }} as replied_at,
    statistics.replied_at as statistics_replied_at,
    history.first_reply_at as history_replied_at,
    cast(coalesce(history.replies, 0) as {{ smartlead_type('count') }}) as replies_in_thread,
    statistics.is_bounced,
    statistics.is_unsubscribed
  from statistics
  join campaigns
    on campaigns.campaign_id = statistics.campaign_id
    and campaigns.source_relation = statistics.source_relation
  left join history
    on history.campaign_id = statistics.campaign_id and history.stats_id = statistics.stats_id
    and history.source_relation = statistics.source_relation
  left join steps
    on statistics.sequence_id is null and steps.campaign_id = statistics.campaign_id
    and steps.seq_number = statistics.sequence_number
    and steps.source_relation = statistics.source_relation
)

select
  merged.*,
  replied_at is not null as is_replied
from merged
