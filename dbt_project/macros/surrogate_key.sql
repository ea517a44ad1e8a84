{#- A stable text key from the columns that identify a row (md5 of their values joined
    with a separator that cannot occur in them); dbt_utils is not reachable here. -#}
{% macro surrogate_key(columns) -%}
    {%- set parts = [] -%}
    {%- for column in columns -%}
        {%- do parts.append("coalesce(cast(" ~ column ~ " as text), '~null~')") -%}
    {%- endfor -%}
    md5({{ parts | join(" || '|' || ") }})
{%- endmacro %}
