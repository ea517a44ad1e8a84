-- Operational tables owned by the loaders. Idempotent: run before every load.
create schema if not exists ops;

create table if not exists ops.load_audit (
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
    constraint rows_reconcile check (rows_read = rows_loaded + rows_rejected)
);

create table if not exists ops.rejected_rows (
    rejected_id bigserial primary key,
    load_id bigint not null references ops.load_audit (load_id),
    feed text not null,
    source_file text not null,
    sheet text,
    row_number integer not null,
    field text,
    reason text not null,
    reason_vi text,
    fix_hint text,
    value_as_sent text,
    original_text text,
    rejected_at timestamptz not null default now()
);

create index if not exists rejected_rows_by_load on ops.rejected_rows (load_id);

-- One row per build; status moves only as publication/lifecycle.py's transition table allows.
create table if not exists ops.publish_log (
    publication_id bigserial primary key,
    build_schema text not null,
    status text not null,
    started_at timestamptz not null default now(),
    validated_at timestamptz,
    published_at timestamptz,
    checks_passed integer,
    checks_failed integer,
    data_docs_url text,
    run_id text,
    summary jsonb
);

-- Upgrade of the statuses (idempotent). Earlier versions stored a passed audit as 'building'
-- and left every publication ever published as 'published': the one `marts` shows stays
-- published, the earlier ones become rollback targets.
alter table ops.publish_log add column if not exists retired_at timestamptz;
alter table ops.publish_log drop constraint if exists publish_log_status_check;
update ops.publish_log set status = 'validated'
where status = 'building' and validated_at is not null;
with current_publication as (
    select publication_id from ops.publish_log
    where status = 'published'
    order by published_at desc
    limit 1
)

update ops.publish_log set status = 'superseded'
where
    status = 'published'
    and publication_id not in (select publication_id from current_publication);
alter table ops.publish_log add constraint publish_log_status_check check (
    status in (
        'building', 'validated', 'published', 'failed_build', 'failed_validation',
        'superseded', 'rolled_back', 'retired'
    )
);

-- The pseudonymisation key (see docs/operations/pseudonym-key.md): readable by the build role
-- that owns it and nobody else. Written by publication/pseudonym_key.py through COPY, so the
-- key is never in SQL text, the server log or pg_stat_statements.
create schema if not exists keys;
revoke all on schema keys from public;
create table if not exists keys.pseudonym_key (
    one_row boolean primary key default true check (one_row),
    key bytea not null check (length(key) >= 16),
    set_at timestamptz not null default now()
);
revoke all on keys.pseudonym_key from public;

-- Staging types Vietnamese dates and numbers with dbt's own macros (dbt_project/macros/
-- contract_types.sql), the same rules as the loader's; the functions earlier versions made go,
-- with the staging views built on them, which the next dbt build makes again without them.
drop function if exists ops.vn_date(text) cascade;
drop function if exists ops.vn_number(text) cascade;

-- Migrations of tables created by earlier versions (each idempotent).
alter table ops.rejected_rows add column if not exists reason_vi text;
alter table ops.load_audit add column if not exists version integer not null default 1;

-- Loads whose rows are current: loaded, and not superseded by a later return for the same
-- feed, ward and period. Staging reads raw rows through this; history stays in raw.
create or replace view ops.current_loads as
select load_id, feed, source_file, period, ward_code
from ops.load_audit
where status = 'loaded' and superseded_by is null;

-- Which file-level lineage each load's tables came from: {"<raw table>": "<sheet>"} for
-- workbooks. Per-file facts live here once, not on every raw row (see raw_tables.py).
alter table ops.load_audit add column if not exists sheets jsonb not null default '{}';

-- The sender the file's name identifies (the contract's file_name sender: ward, office or
-- province code): a later version supersedes the same feed, sender and period, never another
-- office's or province's file of that day. Loads from before the column: the ward, if any.
alter table ops.load_audit add column if not exists sender_code text;
update ops.load_audit set sender_code = ward_code where sender_code is null and ward_code is not null;
-- loads of the CSV feeds made before the column existed: the sender is in their file names
-- (once, for the upgrade; new loads take it from the contract's file_name)
update ops.load_audit set sender_code = substring(source_file from '^vbsp_([0-9]{3})_')
where sender_code is null and feed = 'bank';
update ops.load_audit set sender_code = substring(source_file from '^the_bhyt_([0-9]{2})_')
where sender_code is null and feed = 'insurance';

-- The same bytes are current at most once per return (feed, sender and period): a file
-- renamed as its rejections asked (another day, the ward that absorbed it) is a new
-- delivery, and a superseded version sent again as a newer one is current again
-- (ingest/audit.py already_loaded). Earlier versions allowed the same bytes once a feed.
drop index if exists ops.load_audit_one_load_per_file;
create unique index if not exists load_audit_one_current_load_per_file
on ops.load_audit (feed, sha256, coalesce(period, ''), coalesce(sender_code, ''))
where status = 'loaded' and superseded_by is null;

-- The raw schemas' DDL last applied, so loads skip DDL (and its locks) when nothing changed.
create table if not exists ops.raw_ddl_version (
    raw_schema text primary key,
    sha256 text not null
);

-- Rejected rows keep at most 2,000 characters of the row as sent (and of the value); the
-- row's full length is recorded so the report can say it was cut.
alter table ops.rejected_rows add column if not exists original_length integer;

-- Publications for operators (`mtqg publications`): when the build finished, the GX verdict
-- of every attempt (every check that failed, its observed value and expected range) and why
-- a build failed; which loads each publication holds.
alter table ops.publish_log add column if not exists built_at timestamptz;
alter table ops.publish_log add column if not exists validation jsonb;
alter table ops.publish_log add column if not exists failure text;
create table if not exists ops.publication_loads (
    publication_id bigint not null references ops.publish_log (publication_id),
    load_id bigint not null references ops.load_audit (load_id),
    primary key (publication_id, load_id)
);

-- Every alert raised (a failed validation or a failed task), whether or not a channel took it:
-- with no Airflow connection for mail or Slack, this table and the alerts log in the state
-- folder are where it goes. A later publication resolves the build alerts before it.
create table if not exists ops.alerts (
    alert_id bigserial primary key,
    raised_at timestamptz not null default now(),
    dag_id text,
    run_id text,
    task_id text,
    feed text,
    publication text,
    subject text not null,
    body text not null,
    details jsonb not null default '{}',
    delivered_to text[] not null default '{}',
    delivery_errors text[] not null default '{}',
    resolved_at timestamptz
);
create index if not exists alerts_open on ops.alerts (raised_at) where resolved_at is null;

-- Every failed GX check of an audit, with the exact number of rows that fail it, and the first
-- rows themselves with their lineage (file, sheet, row): GX keeps at most 20 row indexes of a
-- SQL source and cannot reach a file, so publication/failing_rows.py finds them in SQL.
create table if not exists ops.validation_failures (
    failure_id bigserial primary key,
    build_schema text not null,
    suite text not null,
    expectation text not null,
    check_name text,
    column_name text,
    observed text,
    failing_count bigint not null,
    recorded_at timestamptz not null default now()
);
create index if not exists validation_failures_by_build on ops.validation_failures (build_schema);
create table if not exists ops.validation_failing_rows (
    failure_id bigint not null references ops.validation_failures (failure_id) on delete cascade,
    position integer not null,
    load_id bigint,
    source_file text,
    sheet text,
    row_number bigint,
    ward_code text,
    value text,
    primary key (failure_id, position)
);

-- Versioned facts (publication/versioned_facts.py): the fingerprint of the dbt definitions
-- and pseudonym key a build ran with; a build is incremental only on a base with the same.
alter table ops.publish_log add column if not exists models_sha256 text;

-- What changed between a build and its base publication: the loads the build holds and the
-- base did not, or the base held and the build does not (superseded by a correction). The
-- one definition, read by the build's macros (dbt_project/macros/versioned_facts.sql) and by
-- publication/unchanged.py; a plain SQL function, so the planner inlines it.
create or replace function ops.loads_changed_since(build_id bigint, base_id bigint)
returns table (load_id bigint)
language sql
stable
as $$
    (
        select held.load_id from ops.publication_loads as held where held.publication_id = build_id
        except
        select held.load_id from ops.publication_loads as held where held.publication_id = base_id
    )
    union
    (
        select held.load_id from ops.publication_loads as held where held.publication_id = base_id
        except
        select held.load_id from ops.publication_loads as held where held.publication_id = build_id
    )
$$;
