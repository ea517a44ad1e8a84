{#- Allocated and disbursed money per project and funding source, as each ward's monthly
    return reports it (cumulative for the year to the report's month). -#}
with

loaded_rows as (
    {{ rows_of_loads(source('raw_ward_returns', 'funds')) }}
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
    from loaded_rows
)

select * from typed
