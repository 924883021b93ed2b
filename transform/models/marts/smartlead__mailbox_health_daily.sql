-- One row per mailbox per day with warmup or sends (days of sends in the var
-- smartlead_reporting_timezone; warmup days are the API's own dates). Warmup counts are the
-- API's per-day warmup stats (it shows the last 7 days; the tap keeps older days it has seen).
-- Sends are the SENT messages of lead threads from the mailbox's address: campaign sends (a
-- sequence step, email_seq_number set) apart from manual sends (from the master inbox,
-- email_seq_number NULL). An address belongs to one mailbox: a reconnected mailbox has two
-- email_accounts rows with one address, and its sends go to the newest one only.
-- Reputation and status are the mailbox's current ones: the API has no history of them.
with warmup as (
  select * from {{ ref('stg_smartlead__warmup_stats') }}
),

mailboxes as (
  select * from {{ ref('stg_smartlead__email_accounts') }}
),

mailbox_of_address as (
  select source_relation, from_email, email_account_id
  from (
    select
      source_relation,
      from_email,
      email_account_id,
      row_number() over (
        partition by source_relation, from_email
        order by created_at desc nulls last, email_account_id desc
      ) as newest
    from mailboxes
    where from_email is not null
  ) as ranked
  where newest = 1
),

sends as (
  select
    mailbox_of_address.source_relation,
    mailbox_of_address.email_account_id,
    {{ smartlead_day('messages.message_at') }} as activity_date,
    sum({{ smartlead_flag('messages.email_seq_number is not null') }}) as campaign_sent,
    sum({{ smartlead_flag('messages.email_seq_number is null') }}) as manual_sent
  from {{ ref('stg_smartlead__lead_message_history') }} as messages
  join mailbox_of_address
    on mailbox_of_address.from_email = messages.from_email
    and mailbox_of_address.source_relation = messages.source_relation
  where messages.message_type = 'SENT'
  group by mailbox_of_address.source_relation, mailbox_of_address.email_account_id, {{ smartlead_day('messages.message_at') }}
),

days as (
  select distinct source_relation, email_account_id, activity_date
  from (
    select source_relation, email_account_id, warmup_date as activity_date from warmup
    union all
    select source_relation, email_account_id, activity_date from sends
  ) as every_day
)

select
  days.source_relation,
  days.email_account_id,
  mailboxes.from_email,
  days.activity_date,
  cast(coalesce(warmup.warmup_sent_count, 0) as bigint) as warmup_sent_count,
  cast(coalesce(warmup.warmup_inbox_count, 0) as bigint) as warmup_inbox_count,
  cast(coalesce(warmup.warmup_spam_count, 0) as bigint) as warmup_spam_count,
  cast(coalesce(warmup.warmup_reply_count, 0) as bigint) as warmup_reply_count,
  {{ smartlead_rate('warmup.warmup_inbox_count', 'warmup.warmup_sent_count') }}
    as warmup_inbox_rate,
  cast(coalesce(sends.campaign_sent, 0) as bigint) as campaign_sent_count,
  cast(coalesce(sends.manual_sent, 0) as bigint) as manual_sent_count,
  mailboxes.message_per_day as daily_send_limit,
  mailboxes.warmup_status as current_warmup_status,
  mailboxes.warmup_reputation as current_warmup_reputation
from days
left join warmup
  on warmup.email_account_id = days.email_account_id
  and warmup.warmup_date = days.activity_date
  and warmup.source_relation = days.source_relation
left join sends
  on sends.email_account_id = days.email_account_id
  and sends.activity_date = days.activity_date
  and sends.source_relation = days.source_relation
-- The account's mailboxes: a mailbox removed (soft-deleted by the loader) leaves the mart
-- with its warmup history.
join mailboxes
  on mailboxes.email_account_id = days.email_account_id
  and mailboxes.source_relation = days.source_relation
