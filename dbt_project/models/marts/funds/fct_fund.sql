{#- Grain: ward x project or sub-project x funding source x month. Money allocated and
    disbursed in the month, as each ward's monthly return reports it; the social security
    fund's mobilisation arrives as project NGOAI-QASXH (raised in the allocated column). -#}
with

funds as (
    select * from {{ ref('stg_ward_returns__funds') }}
),

geography as (
    select * from {{ ref('dim_geography') }}
),

programs as (
    select * from {{ ref('dim_program') }}
),

dated as (
    select
        *,
        to_date(report_month, 'YYYYMM') as month_start_date
    from funds
),

final as (
    select
        {{ surrogate_key([
            'dated.ward_code', 'dated.project_code',
            'dated.funding_source_code', 'dated.report_month',
        ]) }} as fund_key,
        geography.geography_key,
        programs.program_key,
        dated.ward_code,
        dated.project_code as program_code,
        dated.funding_source_code,
        dated.allocated_amount,
        dated.disbursed_amount,
        'VND' as currency_code,
        cast(dated.report_month as integer) as month_key,
        dated.month_start_date,
        dated.load_id,
        dated.source_row_number
    from dated
    left join geography
        on
            dated.ward_code = geography.unit_code
            and {{ valid_on('dated.month_start_date', 'geography') }}
    left join programs
        on
            dated.project_code = programs.program_code
            and programs.program_family <> 'vbsp_credit'
)

select * from final
