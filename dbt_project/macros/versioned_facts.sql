-- noqa: disable=LT02
-- (SQLFluff misplaces the indents of the macros below once one macro calls another whose
-- body renders a set-block query; dbt ignores text outside macros)
{#- Versioned facts: incremental large facts that keep write-audit-publish (docs/publications.md).

    A `versioned` model keeps its rows in one persistent table, `facts.<model>`, where each row
    carries the publication that added it (_added_in) and the one that replaced it
    (_retired_in, null while current). What the model publishes is a view in this build's
    publication schema showing the rows publication N can see:
        _added_in <= N and (_retired_in is null or _retired_in > N)
    so every retained publication keeps reading exactly what it was audited with, while a
    build writes only the rows of the periods its new or superseded loads touch.

    A build with a base publication (var `base_publication`, chosen by
    publication/versioned_facts.py) recomputes only the model's scope: the model's SQL
    filters its final rows with its scope macro (config `scope_macro`), and the rows of the
    store that the same predicate selects are retired. Without a base (first build, changed
    models, a rotated pseudonym key) the scope is everything: all rows retired and rebuilt,
    still versioned, so earlier publications stay readable. -#}

{#- The incremental strategy of versioned facts (dbt's `get_incremental_<name>_sql` hook):
    retire the current rows the scope predicates select, under this publication's number,
    and add the recomputed rows of that scope. Nothing is updated in place or deleted, so a
    reader of an earlier publication keeps its rows. -#}
{% macro get_incremental_versioned_sql(arg_dict) -%}
    {%- set target = arg_dict['target_relation'] -%}
    {%- set publication_id = versioned_publication_id() -%}
    {%- set columns = arg_dict['dest_columns'] | map(attribute='quoted') | join(', ') -%}
    {%- set predicates = arg_dict['incremental_predicates'] | join(') and (') -%}
    update {{ target }} set _retired_in = {{ publication_id }}
    where _retired_in is null and ({{ predicates }});
    insert into {{ target }} ({{ columns }}, _added_in)
    select {{ columns }}, {{ publication_id }} from {{ arg_dict['temp_relation'] }}
{%- endmacro %}

{#- A BRIN index on _added_in, for the dbt tests that read the rows a build added
    (macros/tested_rows.sql): rows are appended build after build, so a block range holds
    few builds' rows, and the index is a few pages where a b-tree would be the size of a
    column. Created where missing (stores made before it), and the ranges this build
    appended summarized at once. -#}
{% macro added_in_index(store) -%}
    {%- set index = store.identifier ~ '__added_in' -%}
    {%- call statement('added_in_index') -%}
        create index if not exists {{ index }} on {{ store }} using brin (_added_in);
        select brin_summarize_new_values('{{ store.schema }}.{{ index }}'::regclass)
    {%- endcall -%}
{%- endmacro %}

{#- A b-tree on the store's period column (config `period_column`), where missing: the
    marts read one period of a fact (the entitlement check reads the latest review's
    month of 480,000 loan-months and 450,000 card-months: its node took 1.6 s with scans,
    0.36 s with the index), and a month's build retires the rows of the months from its
    scope on. -#}
{% macro period_index(store) -%}
    {%- set column = config.get('period_column') -%}
    {%- if column -%}
        {%- call statement('period_index') -%}
            create index if not exists {{ store.identifier ~ '__' ~ column }}
            on {{ store }} ({{ column }})
        {%- endcall -%}
    {%- endif -%}
{%- endmacro %}

{#- Statistics after every build that wrote the store, not when autovacuum comes by: the
    marts built next read it, and its dbt tests find the build's rows by `_added_in = N`.
    Statistics taken before the build's rows were added know no publication N: the planner
    then expects one added row and joins the visible rows to them by a nested loop (a
    uniqueness test on 135,000 household-years that never finished); without any statistics,
    the added rows are found by scanning all of them. A build that added more than a tenth
    of the store (autovacuum's rule; `added_rows` none or negative: unknown) samples every column; a
    smaller one only the columns it changes the meaning of, the versions and the period
    (0.08 s against 0.3 to 0.4 s on a province's loan months: four stores, every month). -#}
{% macro store_statistics(store, added_rows=none) -%}
    {%- set columns = ['_added_in', '_retired_in'] + (
        [config.get('period_column')] if config.get('period_column') else []
    ) -%}
    {%- call statement('statistics') -%}
        {%- if added_rows is none or added_rows < 0 %}
        analyze {{ store }}
        {%- else %}
        do $store_statistics$
        begin
            if {{ added_rows }} > 0.1 * (
                select greatest(reltuples, 1) from pg_class where oid = '{{ store }}'::regclass
            ) then
                analyze {{ store }};
            else
                analyze {{ store }} ({{ columns | join(', ') }});
            end if;
        end
        $store_statistics$
        {%- endif %}
    {%- endcall -%}
{%- endmacro %}

{#- The persistent table of a versioned model: `facts.<model>`, outside every publication. -#}
{% macro versioned_store(relation) -%}
    {{ return(api.Relation.create(
        database=relation.database, schema='facts', identifier=relation.identifier, type='table'
    )) }}
{%- endmacro %}

{% macro versioned_publication_id() -%}
    {{ return(var('publication_id') | int) }}
{%- endmacro %}

{#- 'yes' when this build recomputes only a scope: it has a base publication whose rows the
    store holds (text, not a returned boolean, so that SQLFluff's templater can render the
    models calling it; there `execute` is undefined and the answer is no). Unit tests render
    a model without a relation of its own: they test the whole model. -#}
{% macro versioned_incremental(relation) -%}
    {%- if execute is defined and execute
        and var('base_publication', none) is not none
        and relation.identifier is string -%}
        {%- set store = versioned_store(relation) -%}
        {%- if adapter.get_relation(
            database=store.database,
            schema=store.schema,
            identifier=store.identifier,
        ) is not none -%}
            yes
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}

{#- The loads of `feed` this build holds and its base did not, or the base held and this
    build does not (superseded by a correction): what changed since the base publication,
    as defined once in ops.loads_changed_since (src/mtqg_warehouse/db/sql/ops.sql). -#}
{% macro changed_loads(feed) -%}
    select changed.load_id
    from ops.loads_changed_since(
        {{ versioned_publication_id() }}, {{ var('base_publication') | int }}
    ) as changed
    inner join {{ source('ops', 'load_audit') }} as audit
        on changed.load_id = audit.load_id
    where audit.feed = '{{ feed }}'
{%- endmacro %}

{#- Each scope's boundary is queried once (single_value) and written into the model's SQL
    as a literal: `none` when nothing in the scope changed. A literal lets PostgreSQL skip
    the whole model when the predicate is `false` (a one-time filter), where a subquery
    would run the model to filter every row out. -#}

{#- The first month fct_loan_month recomputes, as text ('' when it recomputes everything or
    nothing): the model starts its months there and carries the balances of the month
    before in from each loan's last event before it. Read from the events' parsed store,
    which holds every load the base or this build held and is indexed by load (the raw
    events are not: 60 to 90 ms a call, three calls a build). -#}
{% macro loan_month_scope_start(relation) -%}
    {%- if versioned_incremental(relation) | trim == 'yes' -%}
        {%- set query -%}
            select cast(date_trunc('month', min(parsed.event_date)) as date)
            from {{ parsed_store(ref('stg_bank__loan_events')) }} as parsed
            where parsed.load_id in ({{ changed_loads('bank') }})
        {%- endset -%}
        {%- set first_month = single_value(query) -%}
        {%- if first_month is not none -%}
            {{ return(first_month | string) }}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}

{#- fct_loan_month: every month from the first month of a changed load's events on, for
    every loan (balances carry forward, and open loans run to the feed's last month). -#}
{% macro loan_month_scope(relation) -%}
    {%- if versioned_incremental(relation) | trim == 'yes' -%}
        {%- set first_month = loan_month_scope_start(relation) | trim -%}
        {%- if first_month == '' -%}
            false
        {%- else -%}
            month_start_date >= date '{{ first_month }}'
        {%- endif -%}
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}

{#- Rows that come from one source row each: exactly the rows of the changed loads. -#}
{% macro changed_load_rows(feed) -%}
    {%- set query -%}
        select string_agg(changed.load_id::text, ', ' order by changed.load_id)
        from ({{ changed_loads(feed) }}) as changed
    {%- endset -%}
    {%- set loads = single_value(query) -%}
    {%- if loads is none -%}
        false
    {%- else -%}
        load_id in ({{ loads }})
    {%- endif -%}
{%- endmacro %}

{#- fct_support: one row per support row of a ward return. -#}
{% macro support_scope(relation) -%}
    {%- if versioned_incremental(relation) | trim == 'yes' -%}
        {{ changed_load_rows('ward_returns') }}
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}

{#- fct_insurance_cards and fct_insurance_coverage: rows come from one card row each (a
    card's months included). -#}
{% macro insurance_scope(relation) -%}
    {%- if versioned_incremental(relation) | trim == 'yes' -%}
        {{ changed_load_rows('insurance') }}
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}

{#- The first review year a changed load of this build restates, none when no poverty
    review changed since the base. A workbook's audit row names the sheets it was read from
    (a load with none recorded counts as having every sheet, as in
    publication/unchanged.py): the raw reviews have no index on their load, and
    looking for a load's rows there read all of them (0.2 to 0.4 s, four times a build). -#}
{% macro first_restated_review_year() -%}
    {%- set query -%}
        select min(cast(audit.period as integer))
        from {{ source('ops', 'load_audit') }} as audit
        where
            audit.load_id in ({{ changed_loads('ward_returns') }})
            and (audit.sheets ? 'poverty_review' or audit.sheets = '{}')
    {%- endset -%}
    {{ return(single_value(query)) }}
{%- endmacro %}

{#- fct_household_status: every review year from the first year of a changed poverty review
    on (the move since the previous review looks back only). -#}
{% macro household_status_scope(relation) -%}
    {%- if versioned_incremental(relation) | trim == 'yes' -%}
        {%- set first_year = first_restated_review_year() -%}
        {%- if first_year is none -%}
            false
        {%- else -%}
            review_year >= {{ first_year | int }}
        {%- endif -%}
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}

{#- dim_household: all versions or none. A new review year closes the open version of every
    household it changes, a row that started years before, so no year bound holds; but a
    month without a poverty review leaves every version as it was. -#}
{% macro household_versions_scope(relation) -%}
    {%- if versioned_incremental(relation) | trim == 'yes' -%}
        {{ 'false' if first_restated_review_year() is none else 'true' }}
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}
