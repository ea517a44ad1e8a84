{#- Whether a source's relation exists in the database now: for a model that reads a table
    the project's Python creates but dbt alone (on an empty database) does not. Renders
    'yes' or nothing (so `{% if source_exists(...) %}` reads naturally, and linters without
    dbt's `return` can render it); nothing while dbt parses, so the model must also name the
    source in a `-- depends_on:` comment. -#}
{% macro source_exists(source_name, table_name) -%}
    {%- if execute -%}
        {%- set relation = source(source_name, table_name) -%}
        {%- if adapter.get_relation(
            database=relation.database, schema=relation.schema, identifier=relation.identifier
        ) is not none -%}
            yes
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}
