{#- Every calendar day the program's data can fall on: from the first year of the 2021-2025
    program to the end of the 2027-2030 poverty lines. -#}
with

days as (
    select cast(series_day as date) as calendar_date
    from generate_series(
        date '2021-01-01', date '2030-12-31', interval '1 day'
    ) as series_day
),

final as (
    select
        calendar_date,
        cast(to_char(calendar_date, 'YYYYMMDD') as integer) as date_key,
        cast(to_char(calendar_date, 'YYYYMM') as integer) as month_key,
        cast(extract(year from calendar_date) as integer) as calendar_year,
        cast(extract(quarter from calendar_date) as integer) as calendar_quarter,
        cast(extract(month from calendar_date) as integer) as calendar_month,
        cast(extract(day from calendar_date) as integer) as day_of_month,
        cast(extract(isodow from calendar_date) as integer) as iso_day_of_week,
        'Ngày ' || to_char(calendar_date, 'DD/MM/YYYY') as label_vi,
        extract(isodow from calendar_date) in (6, 7) as is_weekend
    from days
)

select * from final
