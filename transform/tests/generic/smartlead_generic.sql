{#- Generic tests this project needs, written here so the project has no package dependency
    (dbt deps would need the package hub). -#}

{% test smartlead_unique_key(model, columns) %}
  {#- No two rows share the combination of `columns` (a composite primary key) within one
      source_relation (the schema a row was read from: several with smartlead_union_schemas). -#}
  {%- set columns = ['source_relation'] + columns %}
  select {{ columns | join(', ') }}, count(*) as rows_with_this_key
  from {{ model }}
  group by {{ columns | join(', ') }}
  having count(*) > 1
{% endtest %}


{% test smartlead_unique(model, column_name) %}
  {#- `unique`, within one source_relation. -#}
  select source_relation, {{ column_name }}, count(*) as rows_with_this_value
  from {{ model }}
  where {{ column_name }} is not null
  group by source_relation, {{ column_name }}
  having count(*) > 1
{% endtest %}


{% test smartlead_expression_is_true(model, expression, column_name=none) %}
  {#- Every row satisfies `expression`; the rows that don't are the failures. -#}
  select * from {{ model }} where not ({{ expression }})
{% endtest %}


{% test smartlead_relationships(model, columns, to, to_columns=none) %}
  {#- Every row's combination of `columns` is a row of `to` (on `to_columns`, default the same
      names): a composite foreign key. A lead id alone is not enough: one lead can be in two
      campaigns, so (campaign_id, lead_id) must be one of that campaign's leads. -#}
  {%- set to_columns = to_columns or columns %}
  select {% for c in columns %}child.{{ c }}{{ ', ' if not loop.last }}{% endfor %}
  from {{ model }} as child
  where {% for c in columns %}child.{{ c }} is not null{{ ' and ' if not loop.last }}{% endfor %}
    and not exists (
      select 1 from {{ to }} as parent
      where {% for c in columns %}parent.{{ to_columns[loop.index0] }} = child.{{ c }}{{ ' and ' if not loop.last }}{% endfor %}
    )
{% endtest %}


{% test smartlead_has_no_rows(model) %}
  {#- The model is empty; each of its rows is a failure (or, at severity warn, a warning that
      names it in every build). -#}
  select * from {{ model }}
{% endtest %}


{% test smartlead_rates_between_0_and_1(model) %}
  {#- Every column named *_rate is a share: NULL or within 0..1. A rate outside is a numerator
      and a denominator from two cohorts (a day's replies over that day's sends reached 2.0). -#}
  {%- set rates = [] %}
  {%- if execute %}
    {%- for column in adapter.get_columns_in_relation(model) %}
      {%- if (column.name | lower).endswith('_rate') %}
        {%- do rates.append(column.name) %}
      {%- endif %}
    {%- endfor %}
  {%- endif %}
  select * from {{ model }}
  where {% for rate in rates %}{{ rate }} < 0 or {{ rate }} > 1{{ ' or ' if not loop.last }}{% endfor %}
  {%- if not rates %}1 = 0{% endif %}
{% endtest %}
