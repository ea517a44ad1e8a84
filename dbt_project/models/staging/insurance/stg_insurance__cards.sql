{#- One row per card line of a current delivery. The holder's name and citizen ID number
    are left behind here: nothing downstream needs them, and staging keeps its rows
    (materializations/parsed_by_load.sql). -#}
with

source as (
    select * from {{ source('raw_insurance', 'cards') }}
),

typed as (
    select
        card_number,
        household_code,
        ward_code,
        beneficiary_group,
        _load_id as load_id,
        _source_file as source_file,
        _row_number as source_row_number,
        normalize(sponsor_name, nfc) as sponsor_name,
        {{ vn_number('state_budget_share_pct') }} as state_budget_share_pct,
        {{ vn_date('valid_from') }} as valid_from_date,
        {{ vn_date('valid_to') }} as valid_to_date,
        {{ vn_date('issued_date') }} as issued_date
    from source
)

select * from typed
