{#- Fresh planner statistics on the loaders' tables before anything reads them. A load adds
    rows faster than autovacuum's analyze follows (and some servers run without it): with
    ops.load_audit still counted as one row, the planner joins every staging view to the
    current loads by nested loop, and a build over the demo city took minutes per test
    instead of a second. Only tables changed by more than a tenth since their last analyze
    (autovacuum's own rule) are analyzed, so a build after a quiet day pays nothing. -#}
{% macro analyze_stale_sources() -%}
    {%- if not execute -%}{{ return('') }}{%- endif -%}
    {%- set tables = ["'ops.load_audit'"] -%}
    {%- for source in graph.sources.values() if source.schema.startswith('raw_') -%}
        {%- set table = source.identifier | replace('_lineage', '') -%}
        {%- do tables.append("'" ~ source.schema ~ '.' ~ table ~ "'") -%}
    {%- endfor -%}
    {%- set stale = run_query(
        "select format('%I.%I', schemaname, relname) from pg_stat_user_tables"
        ~ " where format('%s.%s', schemaname, relname) in (" ~ (tables | join(', ')) ~ ")"
        ~ " and (coalesce(greatest(last_analyze, last_autoanalyze), '-infinity') = '-infinity'"
        ~ " or n_mod_since_analyze > 0.1 * greatest(n_live_tup, 1))"
    ).columns[0].values() -%}
    {%- for relation in stale -%}
        {%- do run_query('analyze ' ~ relation) -%}
    {%- endfor -%}
    {{ return('') }}
{%- endmacro %}
