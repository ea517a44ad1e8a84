{#- The version of a dated row (valid_from_date .. valid_to_date, open-ended when empty) that
    holds on a day: how facts find the unit, household, group or program version of their
    date. A unit is (code, valid from, valid to), never a code alone. -#}
{% macro valid_on(day, version, valid_from='valid_from_date', valid_to='valid_to_date') -%}
    {{ day }} >= {{ version }}.{{ valid_from }}
    and {{ day }} <= coalesce({{ version }}.{{ valid_to }}, date '9999-12-31')
{%- endmacro %}
