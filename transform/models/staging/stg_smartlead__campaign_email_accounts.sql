-- Which mailboxes send for which campaign (the mailbox's own fields are in email_accounts).
with links as (
{{ smartlead_staging('campaign_email_accounts', keys=['campaign_id', 'email_account_id'], columns=[
    ['campaign_id', 'id'],
    ['id', 'id', 'email_account_id'],
    ['from_email', 'text'],
    ['extra_fields', 'json'],
], campaign_scoped=true) }}
)

select campaign_id, email_account_id, lower(from_email) as from_email, extra_fields, extracted_at,
       source_relation
from links
