{#- The `parsed_by_load` materialization of the staging models: each load's raw text is
    parsed once, not once per build and per reader.

    Raw rows are text as sent; parsing them (Vietnamese dates and amounts by regular
    expression, NFC) costs about 25 µs a row, and as views every model and dbt test reading
    staging paid it again: 750,000 reviewed households were parsed a dozen times in one
    build. A load's rows never change after it committed (a correction is a new load that
    supersedes it), so the model's rows of a load are computed once and kept in a table
    beside the view, `<model>__parsed`, and each build adds only the loads not parsed yet.

    The model's SQL gives the rows of every load (macros/current_loads.sql rows_of_loads);
    the view `<model>` keeps the build's loads (build_loads), so the readers see what they
    saw when staging was a view. The table's comment holds the md5 of the model's compiled
    SQL: a changed model, macro or source definition parses everything again.

    `<model>__parsed_loads` lists the loads parsed, those that gave no row included: a ward's
    monthly workbook has no poverty review sheet, a bank file no card, and without the list
    every build would try all of them again (a scan of the raw table each time: 13 s for the
    poverty reviews at province scale). Kept in its
    own macro path because SQLFluff's jinja templater cannot parse a materialization block
    (.sqlfluffignore). -#}
{%- materialization parsed_by_load, adapter='postgres' -%}
    {%- set view_relation = this.incorporate(type='view') -%}
    {%- set store = parsed_store(this) -%}
    {%- set parsed_loads = api.Relation.create(
        database=this.database, schema=this.schema,
        identifier=this.identifier ~ '__parsed_loads', type='table'
    ) -%}
    {#- the store's layout is part of the fingerprint: a store made by an earlier version of
        this materialization (no list of parsed loads) is parsed again -#}
    {%- set fingerprint = local_md5('parsed_loads:' ~ sql) -%}
    {%- set existing_store = adapter.get_relation(
        database=store.database, schema=store.schema, identifier=store.identifier
    ) -%}
    {%- if existing_store is not none -%}
        {%- if relation_comment(existing_store) != fingerprint -%}
            {%- do adapter.drop_relation(existing_store) -%}
            {%- set existing_store = none -%}
        {%- endif -%}
    {%- endif -%}

    {{ run_hooks(pre_hooks, inside_transaction=False) }}
    {{ run_hooks(pre_hooks, inside_transaction=True) }}
    {%- do adapter.create_schema(store) -%}

    {%- if existing_store is none -%}
        {%- call statement('main') -%}
            {{ get_create_table_as_sql(False, store, sql) }};
            create index on {{ store }} (load_id);
            drop table if exists {{ parsed_loads }};
            create table {{ parsed_loads }} (load_id bigint primary key);
            insert into {{ parsed_loads }} select distinct parsed.load_id from {{ store }} as parsed;
            comment on table {{ store }} is '{{ fingerprint }}';
            analyze {{ store }}
        {%- endcall -%}
    {%- else -%}
        {#- One statement, so one transaction whatever dbt's connection does: the lock makes
            two builds at once add a load once (the second waits, then finds it parsed). The
            new loads go into the insert as constants: PostgreSQL then filters the raw rows
            before parsing them, where a join or a subquery would parse every row first
            (expressions are computed at the join that reads raw). Fresh statistics when the
            loads added more than a tenth (autovacuum's rule). -#}
        {%- call statement('main') -%}
            do $parse_new_loads$
            declare
                new_loads bigint[];
                added bigint;
            begin
                lock table {{ store }} in share row exclusive mode;
                select array_agg(loads.load_id) into new_loads
                from {{ source('ops', 'load_audit') }} as loads
                where
                    loads.status = 'loaded'
                    and not exists (
                        select from {{ parsed_loads }} as parsed_before
                        where parsed_before.load_id = loads.load_id
                    );
                if new_loads is null then
                    return;
                end if;
                execute format(
                    'insert into {{ store }} select * from (%s) as parsed where parsed.load_id = any(%L::bigint[])',
                    $model_sql${{ sql }}$model_sql$,
                    new_loads
                );
                get diagnostics added = row_count;
                insert into {{ parsed_loads }} select unnest(new_loads);
                if added > 0.1 * (
                    select greatest(reltuples, 1) from pg_class where oid = '{{ store }}'::regclass
                ) then
                    analyze {{ store }};
                end if;
            end
            $parse_new_loads$
        {%- endcall -%}
    {%- endif -%}

    {#- a view's columns cannot be replaced in place: dropped and made again, as dbt's own
        view materialization does (its dependent views are dbt's and follow in this run) -#}
    {%- call statement('view') -%}
        drop view if exists {{ view_relation }} cascade;
        create view {{ view_relation }} as
        select parsed.*
        from {{ store }} as parsed
        where {{ is_current_load('parsed.load_id') }}
    {%- endcall -%}

    {% do persist_docs(view_relation, model) %}
    {{ run_hooks(post_hooks, inside_transaction=True) }}
    {{ adapter.commit() }}
    {{ run_hooks(post_hooks, inside_transaction=False) }}
    {{ return({'relations': [view_relation]}) }}
{%- endmaterialization -%}
