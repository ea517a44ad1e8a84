{#- Rows of loads that no later return superseded: a corrected resubmission wins, history stays. -#}
{% macro is_current_load(load_id_column) -%}
    {{ load_id_column }} in (
        select load_id from {{ source('ops', 'current_loads') }}
    )
{%- endmacro %}

{#- A raw source's rows from current loads only, each with the ward and the period its file
    name gave the delivery (file_ward_code, file_period), for the staging models. -#}
{% macro rows_of_current_loads(source_relation) -%}
    select
        raw.*,
        current_loads.ward_code as file_ward_code,
        current_loads.period as file_period
    from {{ source_relation }} as raw
    inner join {{ source('ops', 'current_loads') }} as current_loads
        on raw._load_id = current_loads.load_id
{%- endmacro %}
