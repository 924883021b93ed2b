{{ smartlead_staging('campaign_webhooks', keys=['campaign_id', 'webhook_id'], columns=[
    ['campaign_id', 'id'],
    ['id', 'id', 'webhook_id'],
    ['name', 'text', 'webhook_name'],
    ['webhook_url', 'text'],
    ['event_types', 'json'],
    ['categories', 'json'],
    ['created_at', 'timestamp'],
    ['updated_at', 'timestamp'],
    ['extra_fields', 'json'],
], campaign_scoped=true) }}
