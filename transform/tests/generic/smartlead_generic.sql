{#- Generic tests this project needs, written here so the project has no package dependency
    (dbt deps would need the package hub). -#}

{% test smartlead_unique_key(model, columns) %}
  {#- No two rows share the combination of `columns` (a composite primary key). -#}
  select {{ columns | join(', ') }}, count(*) as rows_with_this_key
  from {{ model }}
  group by {{ columns | join(', ') }}
  having count(*) > 1
{% endtest %}


{% test smartlead_expression_is_true(model, expression, column_name=none) %}
  {#- Every row satisfies `expression`; the rows that don't are the failures. -#}
  select * from {{ model }} where not ({{ expression }})
{% endtest %}
