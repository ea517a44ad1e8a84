{#- The first column of a query's first row, for values a macro must know before the model's
    SQL is written: a scope's boundary, a fingerprint. -#}
{% macro single_value(query) -%}
    {{ return(run_query(query).columns[0].values()[0]) }}
{%- endmacro %}
