{#- What a data test reads. In a build with a base publication, the rows this build added
    (added_rows_filter): the rows kept from the base passed the same tests when the build
    that added them ran, with the same definitions (a changed test or model makes the build
    full). Elsewhere, the whole relation.

    The built-in generic tests and unique_combination read their model through these
    macros (overridden below by dispatch), so a month's build tests a month's rows instead of
    the whole history: at province scale 23 s of a 45 s incremental build were dbt's tests. -#}
{% macro tested_rows(model) -%}
    {%- set added = added_rows_filter(model) | trim -%}
    {%- if added == '' -%}
        {{ model }}
    {%- elif added.startswith('_added_in') -%}
        (select * from {{ versioned_store(model) }} where {{ added }}) as added_rows
    {%- else -%}
        (select * from {{ model }} where {{ added }}) as added_rows
    {%- endif -%}
{%- endmacro %}

{#- The predicate that keeps the rows a build added to `model`, '' to test it whole:
    - a versioned model in an incremental build: the rows this build added to its store;
    - a staging view in a build with a base: the rows of the loads the base did not hold
      (a load's rows are parsed once, and passed the same tests with the base).
    The tests of a model whose inputs the build did not change are not run at all
    (publication/unchanged.py). -#}
{% macro added_rows_filter(model) -%}
    {%- if versioned_incremental(model) | trim == 'yes' -%}
        _added_in = {{ versioned_publication_id() }}
    {%- elif execute and var('base_publication', none) is not none and model.identifier is string -%}
        {%- set materialized = materialization_of(model) -%}
        {%- if materialized == 'parsed_by_load' -%}
            {%- set loads = single_value(
                "select string_agg(load_id::text, ', ' order by load_id) from ("
                ~ " select load_id from ops.publication_loads where publication_id = "
                ~ versioned_publication_id()
                ~ " except select load_id from ops.publication_loads where publication_id = "
                ~ (var('base_publication') | int) ~ ") as added"
            ) -%}
            {{ 'false' if loads is none else 'load_id in (' ~ loads ~ ')' }}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}

{#- The materialization of the model behind a relation ('' when no model has it). -#}
{% macro materialization_of(relation) -%}
    {%- for node in graph.nodes.values() -%}
        {%- if node.resource_type == 'model' and node.alias == relation.identifier
            and node.schema == relation.schema -%}
            {{ return(node.config.materialized) }}
        {%- endif -%}
    {%- endfor -%}
    {{ return('') }}
{%- endmacro %}

{#- For uniqueness: the visible rows whose key an added row has, where any duplicate that
    involves an added row shows (the kept rows were unique among themselves). -#}
{% macro rows_sharing_added_keys(model, columns) -%}
    {%- if added_rows_filter(model) | trim != '' -%}
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
