{#- Layers get plain schema names (staging, intermediate, reference); marts go to the
    publication schema of this build, which the publish step exposes as `marts`. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name == 'publication' -%}
        {{ var('publication_schema') }}
    {%- elif custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
