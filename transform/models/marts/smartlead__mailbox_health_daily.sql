-- One row per mailbox per UTC day with warmup or campaign sends. Warmup counts are the API's
-- per-day warmup stats (it shows the last 7 days; the tap keeps older days it has seen).
-- Campaign sends are the SENT messages of lead threads sent from the mailbox's address.
-- Reputation and status are the mailbox's current ones: the API has no history of them.
with warmup as (
  select * from {{ ref('stg_smartlead__warmup_stats') }}
),

mailboxes as (
  select * from {{ ref('stg_smartlead__email_accounts') }}
),

campaign_sends as (
  select mailboxes.email_account_id, messages.message_date as activity_date, count(*) as sent
  from {{ ref('stg_smartlead__lead_message_history') }} as messages
  join mailboxes on mailboxes.from_email = messages.from_email
  where messages.message_type = 'SENT'
  group by mailboxes.email_account_id, messages.message_date
),

days as (
  select email_account_id, warmup_date as activity_date from warmup
  {{ smartlead_union_distinct() }}
  select email_account_id, activity_date from campaign_sends
)

select
  days.email_account_id,
  mailboxes.from_email,
  days.activity_date,
  cast(coalesce(warmup.warmup_sent_count, 0) as bigint) as warmup_sent_count,
  cast(coalesce(warmup.warmup_inbox_count, 0) as bigint) as warmup_inbox_count,
  cast(coalesce(warmup.warmup_spam_count, 0) as bigint) as warmup_spam_count,
  cast(coalesce(warmup.warmup_reply_count, 0) as bigint) as warmup_reply_count,
  {{ smartlead_rate('warmup.warmup_inbox_count', 'warmup.warmup_sent_count') }}
    as warmup_inbox_rate,
  cast(coalesce(campaign_sends.sent, 0) as bigint) as campaign_sent_count,
  mailboxes.message_per_day as daily_send_limit,
  mailboxes.warmup_status as current_warmup_status,
  mailboxes.warmup_reputation as current_warmup_reputation
from days
left join warmup
  on warmup.email_account_id = days.email_account_id
  and warmup.warmup_date = days.activity_date
left join campaign_sends
  on campaign_sends.email_account_id = days.email_account_id
  and campaign_sends.activity_date = days.activity_date
left join mailboxes
  on mailboxes.email_account_id = days.email_account_id
