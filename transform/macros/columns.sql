{#-
  Staging reads every source column through `smartlead_col`, which looks at the column's type
  in the warehouse (whatever the loader chose: DuckDB HUGEINT or VARCHAR dates, PostgreSQL
  jsonb[] arrays, text, timestamptz, Snowflake TIMESTAMP_NTZ and VARIANT) and casts it to one
  clean type. A column the loader has not created (yet) reads as a typed NULL, so a model keeps
  building when the tap adds or renames a field, and picks the field up on the next build once
  it exists.

  Identifiers: a source column is quoted exactly as the warehouse spells it (target-snowflake
  writes upper case, the others lower case), and every name the models define is left unquoted,
  so each warehouse resolves it its own way (Snowflake folds it to upper case, PostgreSQL and
  DuckDB to lower case, BigQuery keeps it) and every later reference, also unquoted, finds it.
-#}

{% macro smartlead_columns(relation) -%}
  {#- {lowercase column name: [lowercase data type, the name as the warehouse spells it]} of a
      relation; {} while dbt only parses and when the table does not exist (an optional stream
      that was never synced: staging then builds an empty relation). -#}
  {%- set found = {} -%}
  {%- if execute -%}
    {%- for column in adapter.get_columns_in_relation(relation) -%}
      {#- dtype: the warehouse's own type name (data_type would spell strings as
          "character varying(n)") -#}
      {%- do found.update({column.name | lower: [column.dtype | lower, column.name]}) -%}
    {%- endfor -%}
  {%- endif -%}
  {{- return(found) -}}
{%- endmacro %}


{% macro smartlead_type(kind) -%}
  {{- return(adapter.dispatch('smartlead_type', 'smartlead')(kind)) -}}
{%- endmacro %}

{% macro default__smartlead_type(kind) -%}
  {%- set types = {
        'id': 'bigint', 'count': 'bigint', 'text': dbt.type_string(),
        'timestamp': 'timestamp', 'date': 'date', 'boolean': 'boolean',
        'number': 'double precision', 'json': 'jsonb'} -%}
  {{- return(types[kind]) -}}
{%- endmacro %}

{% macro duckdb__smartlead_type(kind) -%}
  {%- set types = {
        'id': 'bigint', 'count': 'bigint', 'text': 'varchar',
        'timestamp': 'timestamp', 'date': 'date', 'boolean': 'boolean',
        'number': 'double', 'json': 'json'} -%}
  {{- return(types[kind]) -}}
{%- endmacro %}

{% macro snowflake__smartlead_type(kind) -%}
  {%- set types = {
        'id': 'number(38,0)', 'count': 'number(38,0)', 'text': 'varchar',
        'timestamp': 'timestamp_ntz', 'date': 'date', 'boolean': 'boolean',
        'number': 'float', 'json': 'variant'} -%}
  {{- return(types[kind]) -}}
{%- endmacro %}

{% macro bigquery__smartlead_type(kind) -%}
  {%- set types = {
        'id': 'int64', 'count': 'int64', 'text': 'string',
        'timestamp': 'timestamp', 'date': 'date', 'boolean': 'bool',
        'number': 'float64', 'json': 'json'} -%}
  {{- return(types[kind]) -}}
{%- endmacro %}


{% macro smartlead_col(columns, name, kind, alias=none) -%}
  {#- `<clean expression> as <alias or name>` for source column `name` cast to `kind`. -#}
  {%- set target_type = smartlead_type(kind) -%}
  {%- if name | lower in columns -%}
    {#- The type's family: "varchar(255)" is a varchar, "character varying" a text. -#}
    {%- set source_type = columns[name | lower][0].split('(')[0] | trim -%}
    {%- if source_type in ('character varying', 'character', 'varchar', 'text', 'string', 'char') -%}
      {%- set source_type = 'text' -%}
    {%- endif -%}
    {%- set expr = adapter.dispatch('smartlead_cast', 'smartlead')(
          adapter.quote(columns[name | lower][1]), source_type, kind, target_type) -%}
  {%- else -%}
    {%- set expr = 'cast(null as ' ~ target_type ~ ')' -%}
  {%- endif -%}
  {{- expr }} as {{ alias or name -}}
{%- endmacro %}


{#- An ISO 8601 date-time string that ends in an offset (Z, +02:00) is one instant; one without
    an offset is read as UTC, never in the session's time zone. -#}
{% macro smartlead_offset_pattern() -%}
  [0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]+)?)? ?([zZ]|[+-][0-9]{2}(:?[0-9]{2})?)$
{%- endmacro %}

{% macro default__smartlead_cast(quoted, source_type, kind, target_type) -%}
  {%- if kind == 'timestamp' and ('with time zone' in source_type or source_type == 'timestamptz') -%}
    ({{ quoted }} at time zone 'UTC')
  {%- elif kind == 'timestamp' and source_type == 'text' -%}
    case when {{ quoted }} ~ '{{ smartlead_offset_pattern() }}'
         then (cast({{ quoted }} as timestamptz) at time zone 'UTC')
         else cast({{ quoted }} as timestamp) end
  {%- elif kind == 'date' and source_type == 'text' -%}
    cast(substring({{ quoted }} from 1 for 10) as date)
  {%- elif kind == 'json' and source_type in ('array', '_jsonb', 'jsonb[]') -%}
    to_jsonb({{ quoted }})
  {%- elif kind == 'json' and source_type == 'jsonb' -%}
    {{ quoted }}
  {%- elif kind == 'json' and source_type == 'json' -%}
    cast({{ quoted }} as jsonb)
  {%- elif kind == 'text' and source_type in ('jsonb', 'json') -%}
    ({{ quoted }} #>> '{}')
  {%- else -%}
    cast({{ quoted }} as {{ target_type }})
  {%- endif -%}
{%- endmacro %}

{% macro duckdb__smartlead_cast(quoted, source_type, kind, target_type) -%}
  {%- if kind == 'timestamp' and ('with time zone' in source_type or source_type == 'timestamptz') -%}
    timezone('UTC', {{ quoted }})
  {%- elif kind == 'timestamp' and source_type == 'text' -%}
    case when regexp_matches({{ quoted }}, '{{ smartlead_offset_pattern() }}')
         then timezone('UTC', cast({{ quoted }} as timestamptz))
         else cast({{ quoted }} as timestamp) end
  {%- elif kind == 'date' and source_type == 'text' -%}
    cast(substr({{ quoted }}, 1, 10) as date)
  {%- elif kind == 'json' and source_type not in ('json', 'text') -%}
    to_json({{ quoted }})  {#- a STRUCT or LIST: its JSON form; text is parsed by the cast -#}
  {%- elif kind == 'text' and source_type == 'json' -%}
    coalesce(json_extract_string({{ quoted }}, '$'), cast({{ quoted }} as varchar))
  {%- else -%}
    cast({{ quoted }} as {{ target_type }})
  {%- endif -%}
{%- endmacro %}

{% macro snowflake__smartlead_cast(quoted, source_type, kind, target_type) -%}
  {#- Never through the session's time zone (default America/Los_Angeles): TIMESTAMP_NTZ is
      the UTC wall clock target-snowflake wrote; an instant with a zone is converted to UTC;
      text is an instant when it carries an offset, else a UTC wall clock. -#}
  {%- if kind == 'timestamp' and source_type in ('timestamp_ntz', 'datetime', 'timestamp') -%}
    cast({{ quoted }} as timestamp_ntz)
  {%- elif kind == 'timestamp' and source_type in ('timestamp_tz', 'timestamp_ltz') -%}
    cast(convert_timezone('UTC', {{ quoted }}) as timestamp_ntz)
  {%- elif kind == 'timestamp' -%}
    case when regexp_like(to_varchar({{ quoted }}), '.*{{ smartlead_offset_pattern() }}')
         then cast(convert_timezone('UTC', try_to_timestamp_tz(to_varchar({{ quoted }})))
                   as timestamp_ntz)
         else try_to_timestamp_ntz(to_varchar({{ quoted }})) end
  {%- elif kind == 'json' and source_type not in ('variant', 'object', 'array') -%}
    try_parse_json({{ quoted }})
  {%- elif kind == 'text' and source_type in ('variant', 'object', 'array') -%}
    to_varchar({{ quoted }})
  {%- elif kind == 'date' and source_type == 'text' -%}
    try_to_date(substr({{ quoted }}, 1, 10))
  {%- else -%}
    cast({{ quoted }} as {{ target_type }})
  {%- endif -%}
{%- endmacro %}

{% macro bigquery__smartlead_cast(quoted, source_type, kind, target_type) -%}
  {%- if kind == 'json' and source_type == 'text' -%}
    safe.parse_json({{ quoted }})
  {%- elif kind == 'json' and source_type != 'json' -%}
    to_json({{ quoted }})
  {%- elif kind == 'text' and source_type == 'json' -%}
    coalesce(json_value({{ quoted }}), to_json_string({{ quoted }}))
  {%- elif kind == 'date' and source_type == 'text' -%}
    safe_cast(substr({{ quoted }}, 1, 10) as date)
  {%- else -%}
    cast({{ quoted }} as {{ target_type }})
  {%- endif -%}
{%- endmacro %}
