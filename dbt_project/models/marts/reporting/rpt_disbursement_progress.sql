{#- Per city (the unit above the wards), MTQG project or sub-project, funding source and
    month: the year's allocation and disbursement to date, the rate, and a flag when the
    money disbursed is below a share of the plan (var disbursement_below_plan_share, 0.9 by
    default). The row of a year's latest month reported is the year's standing: on the demo
    data it flags Project 2 and Sub-project 1 of Project 3, as the seed article does for
    2023. The social security fund and other money outside the MTQG are not plans to
    disburse against and are left to rpt_program_results. -#}
with

funds as (
    select * from {{ ref('fct_fund') }}
),

geography as (
    select * from {{ ref('dim_geography') }}
),

programs as (
    select * from {{ ref('dim_program') }}
),

funding_sources as (
    select * from {{ ref('dim_funding_source') }}
),

monthly as (
    select
        geography.parent_geography_key as geography_key,
        funds.program_key,
        funds.funding_source_code,
        funds.month_start_date,
        sum(funds.allocated_amount) as allocated_amount,
        sum(funds.disbursed_amount) as disbursed_amount
    from funds
    inner join geography on funds.geography_key = geography.geography_key
    inner join programs on funds.program_key = programs.program_key
    where programs.is_mtqg
    group by
        geography.parent_geography_key,
        funds.program_key,
        funds.funding_source_code,
        funds.month_start_date
),

to_date as (
    select
        *,
        cast(extract(year from month_start_date) as integer) as report_year,
        sum(allocated_amount) over year_so_far as allocated_to_date_amount,
        sum(disbursed_amount) over year_so_far as disbursed_to_date_amount,
        month_start_date = max(month_start_date) over whole_year
            as is_latest_month_of_year
    from monthly
    window
        year_so_far as (
            partition by
                geography_key,
                program_key,
                funding_source_code,
                date_trunc('year', month_start_date)
            order by month_start_date
        ),
        whole_year as (
            partition by
                geography_key,
                program_key,
                funding_source_code,
                date_trunc('year', month_start_date)
        )
),

final as (
    select
        {{ surrogate_key([
            'to_date.geography_key', 'to_date.program_key',
            'to_date.funding_source_code', 'to_date.month_start_date',
        ]) }} as disbursement_progress_key,
        to_date.geography_key,
        to_date.program_key,
        geography.unit_code,
        geography.unit_name,
        programs.program_code,
        programs.program_level,
        programs.parent_code as parent_program_code,
        programs.name_vi as program_name_vi,
        programs.name_en as program_name_en,
        to_date.funding_source_code,
        funding_sources.name_vi as funding_source_name_vi,
        funding_sources.name_en as funding_source_name_en,
        'VND' as currency_code,
        to_date.report_year,
        cast(to_char(to_date.month_start_date, 'YYYYMM') as integer)
            as month_key,
        to_date.allocated_amount,
        to_date.disbursed_amount,
        to_date.allocated_to_date_amount,
        to_date.disbursed_to_date_amount,
        round(
            100.0 * to_date.disbursed_to_date_amount
            / nullif(to_date.allocated_to_date_amount, 0), 2
        ) as disbursement_rate_pct,
        cast(
            100 * {{ var('disbursement_below_plan_share') }} as numeric
        ) as below_plan_threshold_pct,
        coalesce(
            to_date.disbursed_to_date_amount
            < {{ var('disbursement_below_plan_share') }}
            * to_date.allocated_to_date_amount,
            false
        ) as is_below_plan,
        to_date.is_latest_month_of_year,
        to_date.month_start_date
    from to_date
    inner join geography on to_date.geography_key = geography.geography_key
    inner join programs on to_date.program_key = programs.program_key
    left join funding_sources
        on to_date.funding_source_code = funding_sources.funding_source_code
)

select * from final
