{#- Rows of loads that no later return superseded: a corrected resubmission wins, history stays. -#}
{% macro is_current_load(load_id_column) -%}
    {{ load_id_column }} in (
        select load_id from {{ source('ops', 'current_loads') }}
    )
{%- endmacro %}
