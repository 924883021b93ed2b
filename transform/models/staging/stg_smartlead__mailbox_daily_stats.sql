-- Each sending mailbox's figures per day with activity (by event date); rates in percent.
{{ smartlead_staging('mailbox_daily_stats', keys=['from_email', 'activity_date'], columns=[
    ['from_email', 'text'],
    ['date', 'date', 'activity_date'],
    ['email_account_id', 'id'],
    ['sent', 'count'],
    ['opened', 'count'],
    ['replied', 'count'],
    ['positive_replied', 'count'],
    ['bounced', 'count'],
    ['unique_lead_count', 'count'],
    ['unique_open_count', 'count'],
    ['open_rate', 'number'],
    ['reply_rate', 'number'],
    ['bounce_rate', 'number'],
    ['timezone', 'text', 'tap_timezone'],
    ['extra_fields', 'json'],
]) }}
