{#- The first column of a query's first row, for values a macro must know before the model's
    SQL is written: a scope's boundary, a fingerprint, a relation's comment. -#}
{% macro single_value(query) -%}
    {{ return(run_query(query).columns[0].values()[0]) }}
{%- endmacro %}

{#- A relation's comment, '' when it has none or does not exist. -#}
{% macro relation_comment(relation) -%}
    {{ return(single_value(
        "select coalesce(obj_description(to_regclass('" ~ relation ~ "'), 'pg_class'), '')"
    )) }}
{%- endmacro %}
