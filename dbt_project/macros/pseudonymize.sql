{#- A keyed hash of an official code: stable across builds, useless without the key. -#}
{% macro pseudonymize(column) -%}
    encode(
        sha256(convert_to({{ "'" ~ var('pseudonym_key') ~ "'" }} || ':' || {{ column }}, 'UTF8')),
        'hex'
    )
{%- endmacro %}
