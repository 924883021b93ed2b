{#-
  Staging reads every source column through `smartlead_col`, which looks at the column's type
  in the warehouse (whatever the loader chose: DuckDB HUGEINT or VARCHAR dates, PostgreSQL
  jsonb[] arrays, text, timestamptz) and casts it to one clean type. A column the loader has
  not created (yet) reads as a typed NULL, so a model keeps building when the tap adds or
  renames a field, and picks the field up on the next build once it exists.
-#}

{% macro smartlead_columns(relation) -%}
  {#- {lowercase column name: lowercase data type} of a relation; {} while dbt only parses. -#}
  {%- set found = {} -%}
  {%- if execute -%}
    {%- for column in adapter.get_columns_in_relation(relation) -%}
      {#- dtype: the warehouse's own type name (data_type would spell strings as
          "character varying(n)") -#}
      {%- do found.update({column.name | lower: column.dtype | lower}) -%}
    {%- endfor -%}
    {%- if not found -%}
      {{ exceptions.raise_compiler_error(
           "smartlead: source table " ~ relation ~ " not found or has no columns: run the "
           ~ "tap into the schema this project reads (var smartlead_schema, else "
           ~ "SMARTLEAD_SOURCE_SCHEMA) first") }}
    {%- endif -%}
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
    {%- set source_type = columns[name | lower].split('(')[0] | trim -%}
    {%- if source_type in ('character varying', 'character', 'varchar', 'text', 'string', 'char') -%}
      {%- set source_type = 'text' -%}
    {%- endif -%}
    {%- set expr = adapter.dispatch('smartlead_cast', 'smartlead')(
          adapter.quote(name), source_type, kind, target_type) -%}
  {%- else -%}
    {%- set expr = 'cast(null as ' ~ target_type ~ ')' -%}
  {%- endif -%}
  {{- expr }} as {{ adapter.quote(alias or name) -}}
{%- endmacro %}


{% macro default__smartlead_cast(quoted, source_type, kind, target_type) -%}
  {%- if kind == 'timestamp' and ('with time zone' in source_type or source_type == 'timestamptz') -%}
    ({{ quoted }} at time zone 'UTC')
  {%- elif kind == 'timestamp' and source_type == 'text' -%}
    (cast({{ quoted }} as timestamptz) at time zone 'UTC')
  {%- elif kind == 'date' and source_type == 'text' -%}
    cast(substring({{ quoted }} from 1 for 10) as date)
  {%- elif kind == 'json' and source_type in ('array', '_jsonb', 'jsonb[]') -%}
    to_jsonb({{ quoted }})
  {%- elif kind == 'json' and source_type == 'jsonb' -%}
    {{ quoted }}
  {%- else -%}
    cast({{ quoted }} as {{ target_type }})
  {%- endif -%}
{%- endmacro %}

{% macro duckdb__smartlead_cast(quoted, source_type, kind, target_type) -%}
  {%- if kind == 'timestamp' and ('with time zone' in source_type or source_type == 'timestamptz') -%}
    timezone('UTC', {{ quoted }})
  {%- elif kind == 'timestamp' and source_type == 'text' -%}
    timezone('UTC', cast({{ quoted }} as timestamptz))
  {%- elif kind == 'date' and source_type == 'text' -%}
    cast(substr({{ quoted }}, 1, 10) as date)
  {%- elif kind == 'json' and source_type not in ('json', 'text') -%}
    to_json({{ quoted }})  {#- a STRUCT or LIST: its JSON form; text is parsed by the cast -#}
  {%- else -%}
    cast({{ quoted }} as {{ target_type }})
  {%- endif -%}
{%- endmacro %}

{% macro snowflake__smartlead_cast(quoted, source_type, kind, target_type) -%}
  {%- if kind == 'timestamp' -%}
    convert_timezone('UTC', try_to_timestamp_tz(to_varchar({{ quoted }})))::timestamp_ntz
  {%- elif kind == 'json' and source_type not in ('variant', 'object', 'array') -%}
    try_parse_json({{ quoted }})
  {%- else -%}
    cast({{ quoted }} as {{ target_type }})
  {%- endif -%}
{%- endmacro %}

{% macro bigquery__smartlead_cast(quoted, source_type, kind, target_type) -%}
  {%- if kind == 'json' and source_type == 'text' -%}
    safe.parse_json({{ quoted }})
  {%- elif kind == 'json' and source_type != 'json' -%}
    to_json({{ quoted }})
  {%- else -%}
    cast({{ quoted }} as {{ target_type }})
  {%- endif -%}
{%- endmacro %}
