-- Campaigns that are gone (deleted in Smartlead: no longer in stg_smartlead__campaigns) while
-- rows of theirs are still in the loader's incremental tables: one row per campaign and
-- table, with the rows kept out of staging and the marts. Empty when nothing is gone; its
-- warning test names them in every build.
{%- set tables = ['campaign_sequences', 'campaign_leads', 'campaign_statistics',
                  'campaign_analytics', 'campaign_analytics_by_date', 'campaign_email_accounts',
                  'campaign_webhooks', 'lead_message_history', 'lead_engagement'] %}
{%- set synced = [] %}
{%- for table in tables %}
  {%- set found = smartlead_columns(source('smartlead', table)) %}
  {%- if found and 'campaign_id' in found %}{% do synced.append((table, found)) %}{% endif %}
{%- endfor %}

with raw_campaigns as (
  {%- set found = smartlead_columns(source('smartlead', 'campaigns')) %}
  select {{ smartlead_col(found, 'id', 'id', 'campaign_id') }},
         {{ smartlead_col(found, 'name', 'text', 'campaign_name') }},
         {{ smartlead_col(found, '_sdc_deleted_at', 'text', 'deleted_at') }},
         {{ smartlead_col(found, '_sdc_extracted_at', 'timestamp', 'extracted_at') }}
  from {{ source('smartlead', 'campaigns') }}
),

last_seen as (
  select campaign_id, campaign_name, deleted_at,
         row_number() over (partition by campaign_id
                            order by extracted_at desc nulls last) as newest
  from raw_campaigns
),

children as (
  {%- for table, found in synced %}
  select '{{ table }}' as source_table, campaign_id, count(*) as rows_kept_out
  from (
    select {{ smartlead_col(found, 'campaign_id', 'id') }},
           {{ smartlead_col(found, '_sdc_deleted_at', 'text', 'deleted_at') }}
    from {{ source('smartlead', table) }}
  ) as rows_of_{{ table }}
  where deleted_at is null
  group by campaign_id
  {{ 'union all' if not loop.last }}
  {%- endfor %}
  {%- if not synced %}
  select cast(null as {{ smartlead_type('text') }}) as source_table,
         cast(null as {{ smartlead_type('id') }}) as campaign_id,
         cast(null as {{ smartlead_type('count') }}) as rows_kept_out
  from (select 1 as nothing) as none_synced where 1 = 0
  {%- endif %}
)

select
  children.campaign_id,
  last_seen.campaign_name,
  -- soft_deleted: the loader marked its campaigns row deleted; not_listed: no row at all.
  case when last_seen.deleted_at is not null then 'soft_deleted' else 'not_listed' end
    as how_gone,
  children.source_table,
  cast(children.rows_kept_out as {{ smartlead_type('count') }}) as rows_kept_out
from children
left join last_seen
  on last_seen.campaign_id = children.campaign_id and last_seen.newest = 1
where children.campaign_id not in (select campaign_id from {{ ref('stg_smartlead__campaigns') }})
