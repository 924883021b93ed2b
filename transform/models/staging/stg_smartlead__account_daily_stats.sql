-- The account's figures per day (the tap's `timezone`), each event on the day it happened.
{{ smartlead_staging('account_daily_stats', keys=['activity_date'], columns=[
    ['date', 'date', 'activity_date'],
    ['day_name', 'text'],
    ['sent', 'count'],
    ['opened', 'count'],
    ['replied', 'count'],
    ['bounced', 'count'],
    ['unsubscribed', 'count'],
    ['timezone', 'text', 'tap_timezone'],
    ['extra_fields', 'json'],
]) }}
