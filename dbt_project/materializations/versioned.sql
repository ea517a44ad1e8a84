{#- The `versioned` materialization: see macros/versioned_facts.sql for the design. Kept in
    its own macro path because SQLFluff's jinja templater cannot parse a materialization
    block (.sqlfluffignore). -#}
{%- materialization versioned, adapter='postgres' -%}
    {%- set publication_id = versioned_publication_id() -%}
    {%- set view_relation = this.incorporate(type='view') -%}
    {%- set store = versioned_store(this) -%}
    {%- set existing_store = adapter.get_relation(
        database=store.database, schema=store.schema, identifier=store.identifier
    ) -%}
    {%- set scope = context[config.require('scope_macro')](this) -%}

    {{ run_hooks(pre_hooks, inside_transaction=False) }}
    {{ run_hooks(pre_hooks, inside_transaction=True) }}
    {%- do adapter.create_schema(store) -%}
    {{ get_assert_columns_equivalent(sql) }}

    {%- if existing_store is none -%}
        {%- call statement('main') -%}
            {{ get_create_table_as_sql(False, store, sql) }};
            alter table {{ store }}
                add column _added_in bigint not null default {{ publication_id }},
                add column _retired_in bigint;
            alter table {{ store }} alter column _added_in drop default;
            create index on {{ store }} (_retired_in) where _retired_in is not null;
        {%- endcall -%}
        {{ added_in_index(store) }}
        {{ period_index(store) }}
        {{ store_statistics(store) }}
    {%- elif scope | trim == 'false' -%}
        {#- nothing of this model changed since the base (a month without a poverty review,
            for the household facts): no increment to compute, no rows to retire or add;
            only the publication's view below -#}
        {%- call noop_statement('main', 'UNCHANGED', 'UNCHANGED', 0) -%}{%- endcall -%}
    {%- else -%}
        {%- set increment = make_temp_relation(store) -%}
        {%- call statement('increment') -%}
            {{ get_create_table_as_sql(True, increment, sql) }}
        {%- endcall -%}
        {%- set dest_columns = adapter.get_columns_in_relation(increment) -%}
        {%- call statement('main') -%}
            {{ get_incremental_versioned_sql({
                'target_relation': store,
                'temp_relation': increment,
                'dest_columns': dest_columns,
                'unique_key': none,
                'incremental_predicates': [scope],
            }) }}
        {%- endcall -%}
        {{ added_in_index(store) }}
        {{ period_index(store) }}
        {{ store_statistics(store, load_result('main')['response'].rows_affected) }}
    {%- endif -%}

    {%- set published_columns = [] -%}
    {%- for column in get_columns_in_query(sql) -%}
        {%- do published_columns.append(adapter.quote(column)) -%}
    {%- endfor -%}
    {%- call statement('publication_view') -%}
        create view {{ view_relation }} as
        select {{ published_columns | join(', ') }}
        from {{ store }}
        where
            _added_in <= {{ publication_id }}
            and (_retired_in is null or _retired_in > {{ publication_id }})
    {%- endcall -%}

    {% do persist_docs(view_relation, model) %}
    {{ run_hooks(post_hooks, inside_transaction=True) }}
    {{ adapter.commit() }}
    {{ run_hooks(post_hooks, inside_transaction=False) }}
    {{ return({'relations': [view_relation]}) }}
{%- endmaterialization -%}
