{#- The loads a build reads. A build of the publication lifecycle (var `publication_id`)
    reads exactly the loads registered for its publication when it started
    (ops.publication_loads, written by publication/lifecycle.py start_publication), so a file
    loaded or superseded while dbt runs changes nothing in it, and the publication's record
    of the loads it holds is exact (a later load waits for the next build). A build outside
    the lifecycle (`dbt build` by hand: no publication id) reads the loads current now. -#}
{% macro build_loads() -%}
    {%- set publication_id = var('publication_id') -%}
    {%- if publication_id is not none -%}
    (
        select audit.load_id, audit.feed, audit.source_file, audit.period, audit.ward_code
        from {{ source('ops', 'load_audit') }} as audit
        inner join {{ source('ops', 'publication_loads') }} as held
            on audit.load_id = held.load_id
        where held.publication_id = {{ publication_id | int }}
    )
    {%- else -%}
        {{ source('ops', 'current_loads') }}
    {%- endif -%}
{%- endmacro %}

{#- Rows of the build's loads: no load a later return superseded (a corrected resubmission
    wins, history stays). -#}
{% macro is_current_load(load_id_column) -%}
    {{ load_id_column }} in (
        select build_loads.load_id from {{ build_loads() }} as build_loads
    )
{%- endmacro %}

{#- A raw source's rows of every load, each with the ward and the period its file name gave
    the delivery (file_ward_code, file_period), for the staging models. They are parsed once
    per load (materializations/parsed_by_load.sql); the staging view then keeps the build's
    loads only. A superseded load's rows stay parsed: a rollback may need them again. -#}
{% macro rows_of_loads(source_relation) -%}
    select
        raw.*,
        loads.ward_code as file_ward_code,
        loads.period as file_period
    from {{ source_relation }} as raw
    inner join {{ source('ops', 'load_audit') }} as loads
        on raw._load_id = loads.load_id
{%- endmacro %}

{#- The table a `parsed_by_load` model keeps every load's parsed rows in, beside the model's
    own relation, the view of the build's loads (materializations/parsed_by_load.sql). -#}
{% macro parsed_store(relation) -%}
    {{ return(relation.incorporate(
        path={'identifier': relation.identifier ~ '__parsed'}, type='table'
    )) }}
{%- endmacro %}
