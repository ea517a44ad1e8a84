{#- What a model's rows are computed from, as this build sees it, in one md5
    (materializations/kept_while_inputs_same.sql): the model's compiled SQL and, for each
    node it reads,
    - a staging model parsed by load: its store's own fingerprint and the build's loads that
      gave it rows (what its view shows);
    - a seed: its rows;
    - a kept intermediate model: the fingerprint in its comment;
    - and when the SQL reads the pseudonymisation key, when the key was set.
    '' when a node is of any other kind: such a model cannot be described and is rebuilt. -#}
{% macro inputs_fingerprint(model, sql) -%}
    {%- set parts = [local_md5(sql)] -%}
    {%- for node_id in model.depends_on.nodes | sort -%}
        {%- set node = graph.nodes.get(node_id) -%}
        {%- set part = node_fingerprint(node) if node is not none else '' -%}
        {%- if part == '' -%}
            {{ return('') }}
        {%- endif -%}
        {%- do parts.append(node_id ~ '=' ~ part) -%}
    {%- endfor -%}
    {%- if 'pseudonym_key' in sql -%}
        {%- do parts.append(single_value(
            "select coalesce(max(set_at)::text, '') from keys.pseudonym_key"
        )) -%}
    {%- endif -%}
    {{ return(local_md5(parts | join('|'))) }}
{%- endmacro %}

{% macro node_fingerprint(node) -%}
    {%- set relation = api.Relation.create(
        database=node.database, schema=node.schema, identifier=node.alias
    ) -%}
    {%- set materialized = node.config.materialized -%}
    {%- if node.resource_type == 'seed' -%}
        {{ return(single_value(
            "select md5(coalesce(string_agg(seed_row::text, '|' order by seed_row::text), ''))"
            ~ " from " ~ relation ~ " as seed_row"
        )) }}
    {%- elif materialized == 'parsed_by_load' -%}
        {%- set store = parsed_store(relation) -%}
        {%- set loads -%}
            select md5(coalesce(string_agg(held.load_id::text, ',' order by held.load_id), ''))
            from {{ build_loads() }} as held
            where exists (select from {{ store }} as parsed where parsed.load_id = held.load_id)
        {%- endset -%}
        {{ return(relation_comment(store) ~ ':' ~ single_value(loads)) }}
    {%- elif materialized == 'kept_while_inputs_same' -%}
        {{ return(relation_comment(relation)) }}
    {%- endif -%}
    {{ return('') }}
{%- endmacro %}
