{#- Allocated and disbursed money per project and funding source, as each ward's monthly
    return reports it (cumulative for the year to the report's month). -#}
with

source as (
    select * from {{ source('raw_ward_returns', 'funds') }}
),

current_loads as (
    select * from {{ source('ops', 'current_loads') }}
),

current_rows as (
    select
        source.*,
        current_loads.ward_code as file_ward_code,
        current_loads.period as file_period
    from source
    inner join current_loads
        on source._load_id = current_loads.load_id
),

typed as (
    select
        project_code,
        funding_source_code,
        file_ward_code as ward_code,
        _load_id as load_id,
        _source_file as source_file,
        _sheet as source_sheet,
        _row_number as source_row_number,
        file_period as report_month,
        normalize(project_name, nfc) as project_name,
        {{ vn_amount('allocated_amount') }} as allocated_amount,
        {{ vn_amount('disbursed_amount') }} as disbursed_amount
    from current_rows
)

select * from typed
