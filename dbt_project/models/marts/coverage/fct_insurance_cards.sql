{#- Versioned (macros/versioned_facts.sql): one row per card row, so a build with a base
    adds the rows of its changed loads. -#}
{{ config(materialized='versioned', scope_macro='insurance_scope') }}
with

cards as (
    select * from {{ ref('stg_insurance__cards') }}
),

final as (
    select
        {{ pseudonymize("card_number || '|' || valid_from_date") }} as card_issue_key,
        {{ pseudonymize('card_number') }} as card_key,
        {{ pseudonymize('household_code') }} as household_key,
        ward_code,
        beneficiary_group,
        sponsor_name is not null as is_sponsored,
        state_budget_share_pct,
        valid_from_date,
        valid_to_date,
        issued_date,
        date_trunc('month', issued_date)::date as issued_month,
        load_id,
        source_row_number
    from cards
)

select * from final
where {{ insurance_scope(this) }}
