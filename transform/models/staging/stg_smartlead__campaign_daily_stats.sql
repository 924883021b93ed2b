-- Each campaign's figures per day with activity (by event date); rates in percent.
{{ smartlead_staging('campaign_daily_stats', keys=['campaign_id', 'activity_date'], columns=[
    ['campaign_id', 'id'],
    ['date', 'date', 'activity_date'],
    ['campaign_name', 'text'],
    ['sent', 'count'],
    ['opened', 'count'],
    ['replied', 'count'],
    ['bounced', 'count'],
    ['positive_replied', 'count'],
    ['unique_lead_count', 'count'],
    ['unique_open_count', 'count'],
    ['open_rate', 'number'],
    ['reply_rate', 'number'],
    ['bounce_rate', 'number'],
    ['positive_reply_rate', 'number'],
    ['extra_fields', 'json'],
]) }}
