-- Replies per lead category per day (by reply date); percentage of the day's replies.
{{ smartlead_staging('reply_category_daily', keys=['category_name', 'activity_date'], columns=[
    ['name', 'text', 'category_name'],
    ['date', 'date', 'activity_date'],
    ['sentiment_type', 'text'],
    ['total_response', 'count'],
    ['percentage', 'number'],
    ['timezone', 'text', 'tap_timezone'],
    ['extra_fields', 'json'],
]) }}
