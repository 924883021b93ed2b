with leads as (
{{ smartlead_staging('campaign_leads', keys=['campaign_id', 'campaign_lead_map_id'], columns=[
    ['campaign_id', 'id'],
    ['campaign_lead_map_id', 'id'],
    ['lead_id', 'id'],
    ['email', 'text'],
    ['status', 'text'],
    ['lead_category_id', 'id'],
    ['created_at', 'timestamp'],
    ['lead', 'json'],
    ['extra_fields', 'json'],
], campaign_scoped=true) }}
)

select
  campaign_id,
  campaign_lead_map_id,
  lead_id,
  lower(email) as email,
  upper(status) as status,
  lead_category_id,
  created_at,
  -- The nested lead, unpacked: the fields people filter and group on.
  {{ smartlead_json_text('lead', 'first_name') }} as first_name,
  {{ smartlead_json_text('lead', 'last_name') }} as last_name,
  {{ smartlead_json_text('lead', 'company_name') }} as company_name,
  {{ smartlead_json_text('lead', 'website') }} as website,
  {{ smartlead_json_text('lead', 'location') }} as location,
  {{ smartlead_json_text('lead', 'phone_number') }} as phone_number,
  {{ smartlead_json_text('lead', 'linkedin_profile') }} as linkedin_profile,
  {{ smartlead_json_text('lead', 'company_url') }} as company_url,
  cast({{ smartlead_json_text('lead', 'is_unsubscribed') }} as boolean) as is_unsubscribed,
  {{ smartlead_json_object('lead', 'custom_fields') }} as custom_fields,
  extra_fields,
  extracted_at,
  source_relation
from leads
