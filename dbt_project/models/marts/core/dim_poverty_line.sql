{#- The income line per person per month by area type, dated: 2022-2026 under Decree
    07/2021 (kept by Decree 351/2025), new lines from 2027. A review is classified against
    the line valid at its review date for its unit's area type. -#}
with

lines as (
    select * from {{ ref('poverty_lines') }}
),

final as (
    select
        {{ surrogate_key(['area_type', 'valid_from']) }} as poverty_line_key,
        area_type,
        legal_basis,
        cast(line_amount as numeric) as line_amount,
        cast(middle_upper_amount as numeric) as middle_upper_amount,
        'VND' as currency_code,
        cast(valid_from as date) as valid_from_date,
        cast(valid_to as date) as valid_to_date
    from lines
)

select * from final
