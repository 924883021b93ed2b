with clients as (
{{ smartlead_staging('clients', keys=['client_id'], columns=[
    ['id', 'id', 'client_id'],
    ['name', 'text', 'client_name'],
    ['email', 'text'],
    ['uuid', 'text'],
    ['user_id', 'id'],
    ['created_at', 'timestamp'],
    ['client_permision', 'json'],
    ['client_permission', 'json'],
    ['extra_fields', 'json'],
]) }}
)

select
  client_id,
  client_name,
  lower(email) as email,
  uuid,
  user_id,
  created_at,
  -- The live API spells it client_permision; the older API reference client_permission. Either lands here.
  coalesce(client_permision, client_permission) as client_permission,
  extra_fields,
  extracted_at,
  source_relation
from clients
