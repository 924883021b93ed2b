-- The API's counts per campaign per window [start_date, end_date] (UTC days, both included).
{{ smartlead_staging('campaign_analytics_by_date', keys=['campaign_id', 'start_date'], columns=[
    ['campaign_id', 'id'],
    ['start_date', 'date'],
    ['end_date', 'date'],
    ['sent_count', 'count'],
    ['unique_sent_count', 'count'],
    ['open_count', 'count'],
    ['unique_open_count', 'count'],
    ['click_count', 'count'],
    ['unique_click_count', 'count'],
    ['reply_count', 'count'],
    ['bounce_count', 'count'],
    ['unsubscribed_count', 'count'],
    ['block_count', 'count'],
    ['total_count', 'count'],
    ['drafted_count', 'count'],
    ['extra_fields', 'json'],
], campaign_scoped=true) }}
