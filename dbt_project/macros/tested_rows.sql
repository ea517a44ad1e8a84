{#- What a data test reads. On a versioned model in an incremental build, the rows this
    build added (macros/versioned_facts.sql): the rows kept from the base passed the same
    tests when the build that added them ran, with the same definitions (a changed test
    or model makes the build full). Elsewhere, the whole relation.

    The built-in generic tests and unique_combination read their model through these
    macros (overridden below by dispatch), so a month's build tests a month's rows instead of
    the whole history: at province scale 23 s of a 45 s incremental build were dbt's tests. -#}
{% macro tested_rows(model) -%}
    {%- if versioned_incremental(model) | trim == 'yes' -%}
        (
            select *
            from {{ versioned_store(model) }}
            where _added_in = {{ versioned_publication_id() }}
        ) as added_rows
    {%- else -%}
        {{ model }}
    {%- endif -%}
{%- endmacro %}

{#- For uniqueness: the visible rows whose key an added row has, where any duplicate that
    involves an added row shows (the kept rows were unique among themselves). -#}
{% macro rows_sharing_added_keys(model, columns) -%}
    {%- if versioned_incremental(model) | trim == 'yes' -%}
        {%- set key = columns | join(', ') -%}
        (
            select *
            from {{ model }} as visible
            where
                -- a one-time filter: no added row, no scan of the visible rows
                exists (select from {{ tested_rows(model) }})
                and ({{ key }}) in (select {{ key }} from {{ tested_rows(model) }})
        ) as rows_sharing_added_keys
    {%- else -%}
        {{ model }}
    {%- endif -%}
{%- endmacro %}

{% macro postgres__test_not_null(model, column_name) -%}
    {{ dbt.default__test_not_null(tested_rows(model), column_name) }}
{%- endmacro %}

{% macro postgres__test_accepted_values(model, column_name, values, quote=True) -%}
    {{ dbt.default__test_accepted_values(tested_rows(model), column_name, values, quote) }}
{%- endmacro %}

{% macro postgres__test_relationships(model, column_name, to, field) -%}
    {{ dbt.default__test_relationships(tested_rows(model), column_name, to, field) }}
{%- endmacro %}

{% macro postgres__test_unique(model, column_name) -%}
    {{ dbt.default__test_unique(rows_sharing_added_keys(model, [column_name]), column_name) }}
{%- endmacro %}
