{#- Rows whose combination of columns is not unique (dbt_utils' unique_combination_of_columns,
    written here because the dbt hub is not reachable). On a versioned model's increment,
    only the keys its added rows have (macros/tested_rows.sql). -#}
{% test unique_combination(model, columns) %}
    select
        {{ columns | join(', ') }},
        count(*) as occurrences
    from {{ rows_sharing_added_keys(model, columns) }}
    group by {{ columns | join(', ') }}
    having count(*) > 1
{% endtest %}
