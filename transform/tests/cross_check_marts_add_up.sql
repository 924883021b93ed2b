-- Cross-check: the replies mart has one row per REPLY message of the threads, per campaign
-- (a lead listed twice in its campaign would double its replies). An error: only a join in
-- the models can make it fail. (The other marts' sums equal their staging rows by
-- construction, grouped by the same keys: they are not re-added here, a test that cannot
-- fail.)
{{ config(severity='error') }}

with history as (
  select campaign_id, count(*) as replies
  from {{ ref('stg_smartlead__lead_message_history') }}
  where message_type = 'REPLY'
  group by campaign_id
),

mart as (
  select campaign_id, count(*) as replies
  from {{ ref('smartlead__replies') }}
  group by campaign_id
)

select coalesce(history.campaign_id, mart.campaign_id) as campaign_id,
       coalesce(history.replies, 0) as history_replies,
       coalesce(mart.replies, 0) as mart_replies
from history
full outer join mart on mart.campaign_id = history.campaign_id
where coalesce(history.replies, 0) <> coalesce(mart.replies, 0)
