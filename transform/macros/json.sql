{#- JSON access that reads the same on every warehouse; `doc` is a column of smartlead_type('json'). -#}

{% macro smartlead_json_text(doc, key) -%}
  {{- return(adapter.dispatch('smartlead_json_text', 'smartlead')(doc, key)) -}}
{%- endmacro %}

{% macro default__smartlead_json_text(doc, key) -%}
  ({{ doc }} ->> '{{ key }}')
{%- endmacro %}

{% macro duckdb__smartlead_json_text(doc, key) -%}
  json_extract_string({{ doc }}, '$."{{ key }}"')
{%- endmacro %}

{% macro snowflake__smartlead_json_text(doc, key) -%}
  ({{ doc }}:"{{ key }}"::varchar)
{%- endmacro %}

{% macro bigquery__smartlead_json_text(doc, key) -%}
  json_value({{ doc }}, '$."{{ key }}"')
{%- endmacro %}


{% macro smartlead_json_object(doc, key) -%}
  {{- return(adapter.dispatch('smartlead_json_object', 'smartlead')(doc, key)) -}}
{%- endmacro %}

{% macro default__smartlead_json_object(doc, key) -%}
  ({{ doc }} -> '{{ key }}')
{%- endmacro %}

{% macro duckdb__smartlead_json_object(doc, key) -%}
  json_extract({{ doc }}, '$."{{ key }}"')
{%- endmacro %}

{% macro snowflake__smartlead_json_object(doc, key) -%}
  {{ doc }}:"{{ key }}"
{%- endmacro %}

{% macro bigquery__smartlead_json_object(doc, key) -%}
  json_query({{ doc }}, '$."{{ key }}"')
{%- endmacro %}


{#- `from <relation> as <alias> <join> <elements of alias.column> as <element>`: one row per element
    of a JSON array column, the element (a JSON value) as `<element>.value`. -#}
{% macro smartlead_json_elements(relation, alias, column, element) -%}
  {{- return(adapter.dispatch('smartlead_json_elements', 'smartlead')(relation, alias, column, element)) -}}
{%- endmacro %}

{% macro default__smartlead_json_elements(relation, alias, column, element) -%}
  {{ relation }} as {{ alias }}
  cross join lateral jsonb_array_elements(
    case when jsonb_typeof({{ alias }}.{{ column }}) = 'array' then {{ alias }}.{{ column }}
         else '[]'::jsonb end
  ) as {{ element }}(value)
{%- endmacro %}

{% macro duckdb__smartlead_json_elements(relation, alias, column, element) -%}
  {{ relation }} as {{ alias }}
  cross join json_each(
    case when json_type({{ alias }}.{{ column }}) = 'ARRAY' then {{ alias }}.{{ column }}
         else '[]'::json end
  ) as {{ element }}
{%- endmacro %}

{% macro snowflake__smartlead_json_elements(relation, alias, column, element) -%}
  {{ relation }} as {{ alias }},
  lateral flatten(input => {{ alias }}.{{ column }}) as {{ element }}
{%- endmacro %}

{#- BigQuery's unnest names the element itself; a one-field struct exposes it as <element>.value. -#}
{% macro bigquery__smartlead_json_elements(relation, alias, column, element) -%}
  {{ relation }} as {{ alias }}
  cross join unnest(json_query_array({{ alias }}.{{ column }})) as {{ element }}_value
  cross join unnest([struct({{ element }}_value as value)]) as {{ element }}
{%- endmacro %}
