{{ smartlead_staging('lead_categories', keys=['lead_category_id'], columns=[
    ['id', 'id', 'lead_category_id'],
    ['name', 'text', 'category_name'],
    ['sentiment_type', 'text'],
    ['created_at', 'timestamp'],
    ['extra_fields', 'json'],
]) }}
