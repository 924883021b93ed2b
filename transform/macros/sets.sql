{#- `union` that removes duplicate rows, on every warehouse: BigQuery has no bare `union` (it
    insists on `union distinct` or `union all`); the others spell it `union`. -#}

{% macro smartlead_union_distinct() -%}
  {{- return(adapter.dispatch('smartlead_union_distinct', 'smartlead')()) -}}
{%- endmacro %}

{% macro default__smartlead_union_distinct() -%}
  union
{%- endmacro %}

{% macro bigquery__smartlead_union_distinct() -%}
  union distinct
{%- endmacro %}
