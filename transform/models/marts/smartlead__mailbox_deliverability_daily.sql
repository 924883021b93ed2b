-- One row per sending mailbox per day with campaign activity or warmup: campaign sends,
-- bounces and replies (by event date, from the account-wide mailbox analytics), the sending
-- domain, and the warmup network's inbox and spam placements that day (the API shows the last
-- 7 days of warmup; older days are those the tap kept). No reply or bounce rate: a day's
-- replies and bounces answer emails of other days (a day's replies over its sends reached 2.0);
-- sum the counts over a period, or see the rates by send date in the campaign marts.
with mailbox_of_address as (
  -- An address belongs to one mailbox: a reconnected mailbox has two email_accounts rows with
  -- one address; the newest is the address's (as in smartlead__mailbox_health_daily).
  select source_relation, from_email, email_account_id
  from (
    select
      source_relation,
      lower(from_email) as from_email,
      email_account_id,
      row_number() over (
        partition by source_relation, lower(from_email)
        order by created_at desc nulls last, email_account_id desc
      ) as newest
    from {{ ref('stg_smartlead__email_accounts') }}
    where from_email is not null
  ) as ranked
  where newest = 1
),

campaign as (
  select
    stats.source_relation,
    lower(stats.from_email) as from_email,
    stats.activity_date,
    stats.sent,
    stats.bounced,
    stats.replied,
    stats.positive_replied
  from {{ ref('stg_smartlead__mailbox_daily_stats') }} as stats
),

warmup as (
  -- Per address and day: both rows of a reconnected mailbox count, once each.
  select
    mailboxes.source_relation,
    lower(mailboxes.from_email) as from_email,
    warmup.warmup_date,
    sum(warmup.warmup_sent_count) as warmup_sent_count,
    sum(warmup.warmup_inbox_count) as warmup_inbox_count,
    sum(warmup.warmup_spam_count) as warmup_spam_count
  from {{ ref('stg_smartlead__warmup_stats') }} as warmup
  join {{ ref('stg_smartlead__email_accounts') }} as mailboxes
    on mailboxes.email_account_id = warmup.email_account_id
    and mailboxes.source_relation = warmup.source_relation
  group by mailboxes.source_relation, lower(mailboxes.from_email), warmup.warmup_date
),

days as (
  select source_relation, from_email, activity_date from campaign
  {{ smartlead_union_distinct() }}
  select source_relation, from_email, warmup_date as activity_date from warmup
)

select
  days.source_relation,
  days.from_email,
  mailbox_of_address.email_account_id,
  {{ dbt.split_part('days.from_email', "'@'", 2) }} as sending_domain,
  days.activity_date,
  cast(coalesce(campaign.sent, 0) as bigint) as sent_count,
  cast(coalesce(campaign.bounced, 0) as bigint) as bounced_count,
  cast(coalesce(campaign.replied, 0) as bigint) as replied_count,
  cast(coalesce(campaign.positive_replied, 0) as bigint) as positive_replied_count,
  cast(coalesce(warmup.warmup_sent_count, 0) as bigint) as warmup_sent_count,
  cast(coalesce(warmup.warmup_inbox_count, 0) as bigint) as warmup_inbox_count,
  cast(coalesce(warmup.warmup_spam_count, 0) as bigint) as warmup_spam_count,
  {{ smartlead_rate('warmup.warmup_inbox_count', 'warmup.warmup_sent_count') }}
    as warmup_inbox_rate
from days
left join mailbox_of_address
  on mailbox_of_address.from_email = days.from_email
  and mailbox_of_address.source_relation = days.source_relation
left join campaign
  on campaign.from_email = days.from_email and campaign.activity_date = days.activity_date
  and campaign.source_relation = days.source_relation
left join warmup
  on warmup.from_email = days.from_email and warmup.warmup_date = days.activity_date
  and warmup.source_relation = days.source_relation
