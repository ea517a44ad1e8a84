{#- Sources dbt reads but the loaders own: created empty here when absent, so `dbt build` works
    on an empty database with no Python step first. Existing relations are never touched (no
    DDL at all when nothing is missing: DDL takes locks a running load holds).

    The DDL is the loaders' (src/mtqg_warehouse/db/sql/ops.sql, db/raw_tables.py), repeated
    here and proved equal by tests/integration/contracts/test_dbt_on_empty_database.py, which
    compares the columns, defaults and constraints each side creates. A raw source is
    `raw_<feed>.<table>_lineage` with its contract columns listed in the sources file. -#}

{% macro create_missing_sources() -%}
    {%- if not execute -%}{{ return('') }}{%- endif -%}
    {%- set wanted = {
        '"ops"."load_audit"': ops_load_audit_ddl(),
        '"ops"."current_loads"': ops_current_loads_ddl(),
        '"keys"."pseudonym_key"': pseudonym_key_ddl(),
    } -%}
    {%- for source in graph.sources.values() if source.schema.startswith('raw_') -%}
        {%- set table = source.identifier | replace('_lineage', '') -%}
        {%- do wanted.update({
            adapter.quote(source.schema) ~ '.' ~ adapter.quote(table): raw_table_ddl(source.schema, table, source.columns.keys() | list)
                + raw_cross_file_indexes_ddl(source.schema, table, source.config.meta.get('natural_key_across_files', [])),
            adapter.quote(source.schema) ~ '.' ~ adapter.quote(source.identifier): raw_lineage_view_ddl(source.schema, table),
        }) -%}
    {%- endfor -%}
    {%- set missing = run_query(
        "select name from unnest(array['" ~ (wanted.keys() | join("', '")) ~ "']) with ordinality as n(name, position)"
        ~ " where to_regclass(name) is null order by position"
    ).columns[0].values() -%}
    {%- if missing | length == 0 -%}{{ return('') }}{%- endif -%}
    {{ log('creating missing sources: ' ~ (missing | join(', ')), info=true) }}
    {%- set statements = ["begin", "select pg_advisory_xact_lock(hashtext('mtqg_ops_ddl'))",
                          "select pg_advisory_xact_lock(hashtext('mtqg_raw_ddl'))"] -%}
    {%- for name in missing -%}
        {%- do statements.extend(wanted[name]) -%}
    {%- endfor -%}
    {%- do run_query((statements + ["commit"]) | join(";\n")) -%}
    {{ return('') }}
{%- endmacro %}

{% macro ops_load_audit_ddl() -%}
    {{ return([
        "create schema if not exists ops",
        "create table if not exists ops.load_audit (
            load_id bigserial primary key,
            feed text not null,
            source_file text not null,
            sha256 text not null,
            period text,
            ward_code text,
            status text not null check (status in ('loaded', 'duplicate', 'quarantined')),
            rows_read integer not null default 0,
            rows_loaded integer not null default 0,
            rows_rejected integer not null default 0,
            superseded_by bigint references ops.load_audit (load_id),
            run_id text,
            message text,
            started_at timestamptz not null default now(),
            finished_at timestamptz,
            constraint rows_reconcile check (rows_read = rows_loaded + rows_rejected),
            version integer not null default 1,
            sheets jsonb not null default '{}',
            sender_code text
        )",
        "create unique index if not exists load_audit_one_current_load_per_file
            on ops.load_audit (feed, sha256, coalesce(period, ''), coalesce(sender_code, ''))
            where status = 'loaded' and superseded_by is null",
    ]) }}
{%- endmacro %}

{% macro ops_current_loads_ddl() -%}
    {{ return([
        "create schema if not exists ops",
        "create or replace view ops.current_loads as
            select load_id, feed, source_file, period, ward_code
            from ops.load_audit
            where status = 'loaded' and superseded_by is null",
    ]) }}
{%- endmacro %}

{#- Only when dbt runs alone on an empty database: the marts' keyed hashes need a key, and
    none was installed (a build through the project installs MTQG_PSEUDONYM_KEY first, see
    publication/pseudonym_key.py). A random one is made in the database, so it is in no SQL
    text either; the next build through the project replaces it. -#}
{% macro pseudonym_key_ddl() -%}
    {{ return([
        "create schema if not exists keys",
        "revoke all on schema keys from public",
        "create table if not exists keys.pseudonym_key (
            one_row boolean primary key default true check (one_row),
            key bytea not null check (length(key) >= 16),
            set_at timestamptz not null default now()
        )",
        "revoke all on keys.pseudonym_key from public",
        "insert into keys.pseudonym_key (key)
            select decode(replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', ''), 'hex')",
    ]) }}
{%- endmacro %}

{% macro raw_table_ddl(schema, table, columns) -%}
    {%- set relation = adapter.quote(schema) ~ '.' ~ adapter.quote(table) -%}
    {%- set sequence = adapter.quote(schema) ~ '.' ~ adapter.quote(table ~ '__row_number') -%}
    {%- set text_columns = [] -%}
    {%- for column in columns -%}
        {%- do text_columns.append(adapter.quote(column) ~ ' text') -%}
    {%- endfor -%}
    {{ return([
        "create schema if not exists " ~ adapter.quote(schema),
        "create sequence if not exists " ~ sequence ~ " as integer minvalue 0",
        "create table if not exists " ~ relation ~ " (" ~ (text_columns | join(', '))
            ~ ", _load_id bigint not null default current_setting('mtqg.load_id')::bigint"
            ~ ", _row_number integer not null default nextval('" ~ sequence | replace("'", "''") ~ "'))",
        "alter sequence " ~ sequence ~ " owned by " ~ relation ~ "._row_number",
    ]) }}
{%- endmacro %}

{% macro raw_cross_file_indexes_ddl(schema, table, key) -%}
    {%- set relation = adapter.quote(schema) ~ '.' ~ adapter.quote(table) -%}
    {%- if key | length == 0 -%}{{ return([]) }}{%- endif -%}
    {%- set quoted = [] -%}
    {%- for column in key -%}
        {%- do quoted.append(adapter.quote(column)) -%}
    {%- endfor -%}
    {{ return([
        "create index if not exists " ~ adapter.quote(table ~ '__natural_key') ~ " on " ~ relation
            ~ " (" ~ (quoted | join(', ')) ~ ")",
        "create index if not exists " ~ adapter.quote(table ~ '__load_id') ~ " on " ~ relation
            ~ " using brin (_load_id)",
    ]) }}
{%- endmacro %}

{% macro raw_lineage_view_ddl(schema, table) -%}
    {%- set relation = adapter.quote(schema) ~ '.' ~ adapter.quote(table) -%}
    {{ return([
        "create or replace view " ~ adapter.quote(schema) ~ '.' ~ adapter.quote(table ~ '_lineage') ~ " as
            select raw.*, audit.source_file as _source_file, audit.sha256 as _sha256,
                   audit.sheets ->> '" ~ table ~ "' as _sheet, audit.started_at as _loaded_at,
                   audit.run_id as _run_id
            from " ~ relation ~ " as raw
            join ops.load_audit as audit on audit.load_id = raw._load_id",
    ]) }}
{%- endmacro %}
