{#- One row per support delivered, from current monthly returns. A row without a household
    is community-level support (a road, a training course for the ward). -#}
with

loaded_rows as (
    {{ rows_of_loads(source('raw_ward_returns', 'support')) }}
),

typed as (
    select
        household_code,
        support_type_code,
        project_code,
        funding_source_code,
        file_ward_code as ward_code,
        _load_id as load_id,
        _source_file as source_file,
        _sheet as source_sheet,
        _row_number as source_row_number,
        file_period as report_month,
        cast({{ vn_integer('quantity') }} as integer) as quantity,
        normalize(sponsor_name, nfc) as sponsor_name,
        normalize(unit, nfc) as quantity_unit,
        {{ vn_amount('amount') }} as support_amount,
        {{ vn_date('support_date') }} as support_date
    from loaded_rows
)

select * from typed
