-- Replies per lead category per day (by reply date); reply_share: the category's share of the
-- day's replies, a fraction (the API's percentage / 100).
with categories as (
{{ smartlead_staging('reply_category_daily', keys=['category_name', 'activity_date'], columns=[
    ['name', 'text', 'category_name'],
    ['date', 'date', 'activity_date'],
    ['sentiment_type', 'text'],
    ['total_response', 'count', 'reply_count'],
    ['percentage', 'number'],
    ['timezone', 'text', 'tap_timezone'],
    ['extra_fields', 'json'],
]) }}
)

select
  category_name,
  activity_date,
  sentiment_type,
  reply_count,
  percentage / 100 as reply_share,
  tap_timezone,
  extra_fields,
  extracted_at,
  source_relation
from categories
