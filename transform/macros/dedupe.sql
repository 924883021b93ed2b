{#-
  A staging select: one source table's columns cast to clean types (`smartlead_col`), one row
  per primary key. Loaders that upsert (target-postgres with load_method upsert,
  target-duckdb) already keep one row per key; append-only loaders and hand-made copies do
  not, and then the row with the newest _sdc_batched_at (then _sdc_extracted_at) wins: it is
  the API's latest answer.

  columns: [source name, kind] or [source name, kind, output name]; keys: output names.
-#}
{% macro smartlead_staging(table, keys, columns) -%}
{%- set relation = source('smartlead', table) -%}
{%- set found = smartlead_columns(relation) -%}
{%- set names = [] -%}
with typed as (
  select
    {%- for column in columns %}
    {{ smartlead_col(found, column[0], column[1], column[2] if column | length > 2 else none) }},
    {%- do names.append(adapter.quote(column[2] if column | length > 2 else column[0])) %}
    {%- endfor %}
    {{ smartlead_col(found, '_sdc_extracted_at', 'timestamp', '_smartlead_extracted_at') }},
    {{ smartlead_col(found, '_sdc_batched_at', 'timestamp', '_smartlead_batched_at') }}
  from {{ relation }}
),
ranked as (
  select
    typed.*,
    row_number() over (
      partition by {{ keys | join(', ') }}
      order by _smartlead_batched_at desc nulls last, _smartlead_extracted_at desc nulls last
    ) as _smartlead_rank
  from typed
)
select
  {{ names | join(',\n  ') }},
  _smartlead_extracted_at as extracted_at
from ranked
where _smartlead_rank = 1
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
