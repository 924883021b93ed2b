-- Lifetime figures per sending mailbox of each campaign.
{{ smartlead_staging('campaign_mailbox_statistics', keys=['campaign_id', 'email_account_id'], columns=[
    ['campaign_id', 'id'],
    ['email_account_id', 'id'],
    ['from_email', 'text'],
    ['sent_count', 'count'],
    ['reply_count', 'count'],
    ['open_count', 'count'],
    ['click_count', 'count'],
    ['bounce_count', 'count'],
    ['sender_bounce_count', 'count'],
    ['unsubscribed_count', 'count'],
    ['extra_fields', 'json'],
]) }}
