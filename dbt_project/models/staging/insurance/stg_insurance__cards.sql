with

source as (
    select * from {{ source('raw_insurance', 'cards') }}
),

typed as (
    select
        card_number,
        household_code,
        ward_code,
        holder_national_id,
        beneficiary_group,
        _load_id as load_id,
        _source_file as source_file,
        _row_number as source_row_number,
        normalize(holder_name, nfc) as holder_name,
        normalize(sponsor_name, nfc) as sponsor_name,
        {{ vn_number('state_budget_share_pct') }} as state_budget_share_pct,
        {{ vn_date('valid_from') }} as valid_from_date,
        {{ vn_date('valid_to') }} as valid_to_date,
        {{ vn_date('issued_date') }} as issued_date
    from source
)

select * from typed
