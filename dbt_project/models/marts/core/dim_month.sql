{#- One row per month: the grain of loans, insurance coverage and fund disbursement. -#}
with

months as (
    select cast(month_start as date) as month_start_date
    from generate_series(
        date '2021-01-01', date '2030-12-01', interval '1 month'
    ) as month_start
),

final as (
    select
        month_start_date,
        cast(month_start_date + interval '1 month - 1 day' as date)
            as month_end_date,
        cast(to_char(month_start_date, 'YYYYMM') as integer) as month_key,
        cast(extract(year from month_start_date) as integer) as calendar_year,
        cast(extract(quarter from month_start_date) as integer)
            as calendar_quarter,
        cast(extract(month from month_start_date) as integer) as calendar_month,
        cast(
            extract(day from month_start_date + interval '1 month - 1 day')
            as integer
        ) as days_in_month,
        'Tháng ' || to_char(month_start_date, 'MM/YYYY') as label_vi
    from months
)

select * from final
