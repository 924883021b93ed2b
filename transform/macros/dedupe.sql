{#-
  A staging select: one source table's columns cast to clean types (`smartlead_col`), one row
  per primary key, the rows a loader soft-deleted left out.

  - source_relation: the schema the row was read from with the var smartlead_union_schemas,
    '' without it (Fivetran's convention); keys are per source_relation.
  - One row per key: loaders that upsert (target-postgres with load_method upsert,
    target-duckdb) already keep one; append-only loaders and hand-made copies do not. The
    newest extraction wins (_sdc_extracted_at: when the tap read the API), then the newest
    batch, then the highest _sdc_sequence: a stale answer loaded later never replaces a newer
    one. Rows that tie on all three are one record loaded twice.
  - Soft deletes: a loader that received ACTIVATE_VERSION (full-table streams, sent by the tap)
    or a deletion marks rows with _sdc_deleted_at instead of dropping them. A key whose newest
    row is marked is gone: ranking first, then filtering, so an older live row of a deleted key
    never comes back.
  - A stream that was never synced (its table does not exist) or is switched off with the var
    `smartlead__using_<table>: false` gives an empty relation of the same columns and types,
    so every model downstream builds. Only `campaigns` is required.
  - campaign_scoped: keep only rows of campaigns in stg_smartlead__campaigns. A campaign that
    is gone (deleted in Smartlead: no longer listed, or soft-deleted by the loader) keeps its
    leads, statistics and messages in the incremental tables; they stay out of staging and the
    marts, and stg_smartlead__gone_campaigns lists what was left out.

  columns: [source name, kind] or [source name, kind, output name]; keys: output names.
-#}
{% macro smartlead_staging(table, keys, columns, campaign_scoped=false) -%}
{%- set relations = smartlead_source_relations(table) -%}
{%- set present = [] -%}
{%- for relation, label in relations -%}
  {%- set found = smartlead_columns(relation) if var('smartlead__using_' ~ table, true) else {} -%}
  {%- if found %}{% do present.append((relation, label, found)) %}{% endif -%}
{%- endfor -%}
{%- if execute and not present and table == 'campaigns' -%}
  {{ exceptions.raise_compiler_error(
       "smartlead: source table " ~ relations[0][0] ~ " not found or has no columns: run the "
       ~ "tap into the schema this project reads (SMARTLEAD_SOURCE_SCHEMA) first") }}
{%- endif -%}
{%- set names = [] -%}
{%- for column in columns %}{% do names.append(column[2] if column | length > 2 else column[0]) %}{% endfor -%}
with typed as (
  {%- for relation, label, found in (present or [(none, relations[0][1], {})]) %}
  select
    {%- for column in columns %}
    {{ smartlead_col(found, column[0], column[1], column[2] if column | length > 2 else none) }},
    {%- endfor %}
    {{ smartlead_col(found, '_sdc_extracted_at', 'timestamp', '_smartlead_extracted_at') }},
    {{ smartlead_col(found, '_sdc_batched_at', 'timestamp', '_smartlead_batched_at') }},
    {{ smartlead_col(found, '_sdc_sequence', 'count', '_smartlead_sequence') }},
    {{ smartlead_col(found, '_sdc_deleted_at', 'text', '_smartlead_deleted_at') }},
    cast('{{ label }}' as {{ smartlead_type('text') }}) as source_relation
  {%- if found %}
  from {{ relation }}
  {%- else %}
  {#- Not synced: no row, the same columns. #}
  from (select 1 as _smartlead_no_table) as not_synced
  where 1 = 0
  {%- endif %}
  {{ 'union all' if not loop.last }}
  {%- endfor %}
),
ranked as (
  select
    typed.*,
    row_number() over (
      partition by source_relation, {{ keys | join(', ') }}
      order by _smartlead_extracted_at desc nulls last, _smartlead_batched_at desc nulls last,
               _smartlead_sequence desc nulls last
    ) as _smartlead_rank
  from typed
)
select
  ranked.{{ names | join(',\n  ranked.') }},
  ranked._smartlead_extracted_at as extracted_at,
  ranked.source_relation
from ranked
{%- if campaign_scoped %}
{#- A join, not a correlated EXISTS: the BigQuery emulator and older warehouses plan it alike. #}
join (
  select distinct source_relation, campaign_id from {{ ref('stg_smartlead__campaigns') }}
) as live_campaigns
  on live_campaigns.campaign_id = ranked.campaign_id
  and live_campaigns.source_relation = ranked.source_relation
{%- endif %}
where ranked._smartlead_rank = 1
  and ranked._smartlead_deleted_at is null
{%- endmacro %}


{#- The relations a stream is read from, with the name each row's source_relation gets: the
    source table (source_relation ''), or with the var smartlead_union_schemas (Fivetran's union_schemas
    convention) the table of that name in each of those schemas of smartlead_database, the
    ones that exist. Ids of different accounts never meet: every join of a row to another
    also matches source_relation. -#}
{% macro smartlead_source_relations(table) -%}
  {%- set base = source('smartlead', table) -%}
  {%- set schemas = var('smartlead_union_schemas', []) -%}
  {%- if schemas is string %}{% set schemas = [schemas] %}{% endif -%}
  {%- if not schemas -%}
    {#- One schema: source_relation is '' (as in Fivetran's packages), the same on every
        warehouse whatever the loader's schema is called. -#}
    {{- return([(base, '')]) -}}
  {%- endif -%}
  {%- set out = [] -%}
  {%- for schema in schemas -%}
    {%- do out.append((api.Relation.create(database=base.database, schema=schema,
                                            identifier=base.identifier), schema)) -%}
  {%- endfor -%}
  {{- return(out) -}}
{%- endmacro %}


{#- The day `ts` (a UTC timestamp without zone) falls on in the reporting time zone, the var
    `smartlead_reporting_timezone` (default UTC). Every day a mart attributes goes through it. -#}
{% macro smartlead_day(ts) -%}
  {%- set tz = var('smartlead_reporting_timezone', 'UTC') -%}
  {%- if tz | upper in ('UTC', 'ETC/UTC', 'Z') -%}
    cast({{ ts }} as date)
  {%- else -%}
    {{ adapter.dispatch('smartlead_day', 'smartlead')(ts, tz) }}
  {%- endif -%}
{%- endmacro %}

{% macro default__smartlead_day(ts, tz) -%}
  cast(({{ ts }} at time zone 'UTC') at time zone '{{ tz }}' as date)
{%- endmacro %}

{% macro duckdb__smartlead_day(ts, tz) -%}
  cast(timezone('{{ tz }}', timezone('UTC', {{ ts }})) as date)
{%- endmacro %}

{% macro snowflake__smartlead_day(ts, tz) -%}
  cast(convert_timezone('UTC', '{{ tz }}', {{ ts }}) as date)
{%- endmacro %}

{% macro bigquery__smartlead_day(ts, tz) -%}
  date({{ ts }}, '{{ tz }}')
{%- endmacro %}


{#- Share of `part` in `whole` as a double, NULL when `whole` is 0. -#}
{% macro smartlead_rate(part, whole) -%}
  (cast({{ part }} as {{ smartlead_type('number') }})
   / nullif(cast({{ whole }} as {{ smartlead_type('number') }}), 0))
{%- endmacro %}


{#- The earlier of two timestamps, ignoring NULLs (least() treats NULL differently per warehouse). -#}
{% macro smartlead_earliest(a, b) -%}
  case when {{ a }} is null then {{ b }}
       when {{ b }} is null or {{ a }} <= {{ b }} then {{ a }}
       else {{ b }} end
{%- endmacro %}


{#- 1 when `condition` holds, else 0 (a count as a sum, on every warehouse). -#}
{% macro smartlead_flag(condition) -%}
  case when {{ condition }} then 1 else 0 end
{%- endmacro %}
