{#- Dated rows (valid_from .. valid_to, open-ended when empty) of one key that overlap: on any
    day at most one version of a unit, program or level may hold, or a fact joined on its date
    would pick up two. -#}
{% test versions_do_not_overlap(
    model, key, valid_from='valid_from_date', valid_to='valid_to_date'
) %}
    select
        earlier.{{ key }},
        earlier.{{ valid_from }} as earlier_from,
        later.{{ valid_from }} as later_from
    from {{ model }} as earlier
    inner join {{ model }} as later
        on
            earlier.{{ key }} = later.{{ key }}
            and earlier.{{ valid_from }} < later.{{ valid_from }}
    where
        coalesce(earlier.{{ valid_to }}, date '9999-12-31')
        >= later.{{ valid_from }}
{% endtest %}
