-- The account's figures per day the emails were sent: a reply or bounce counts on its email's send day.
{{ smartlead_staging('account_daily_stats_by_send_date', keys=['activity_date'], columns=[
    ['date', 'date', 'activity_date'],
    ['day_name', 'text'],
    ['sent', 'count'],
    ['opened', 'count'],
    ['replied', 'count'],
    ['bounced', 'count'],
    ['unsubscribed', 'count'],
    ['positive_replied', 'count'],
    ['unique_lead_reached', 'count'],
    ['timezone', 'text', 'tap_timezone'],
    ['extra_fields', 'json'],
]) }}
