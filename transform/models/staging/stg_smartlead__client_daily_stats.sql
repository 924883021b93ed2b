-- Each client's campaigns' figures per day with activity (by event date).
{{ smartlead_staging('client_daily_stats', keys=['client_id', 'activity_date'], columns=[
    ['client_id', 'id'],
    ['date', 'date', 'activity_date'],
    ['client_name', 'text'],
    ['total_campaigns_count', 'count'],
    ['sent', 'count'],
    ['opened', 'count'],
    ['replied', 'count'],
    ['positive_replied', 'count'],
    ['bounced', 'count'],
    ['unique_lead_count', 'count'],
    ['unique_open_count', 'count'],
    ['client_health', 'text'],
    ['timezone', 'text', 'tap_timezone'],
    ['extra_fields', 'json'],
]) }}
