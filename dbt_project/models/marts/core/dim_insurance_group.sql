{#- Beneficiary groups with their benefit level as dated data: a level can change (a 2026
    change for near-poor households is reported), so a group is (code, valid from). -#}
with

groups as (
    select * from {{ ref('bhyt_groups') }}
),

final as (
    select
        {{ surrogate_key(['group_code', 'valid_from']) }} as insurance_group_key,
        group_code,
        name_vi,
        name_en,
        cast(benefit_level as integer) as benefit_level,
        group_code in ('HN', 'CN') as is_poverty_group,
        cast(valid_from as date) as valid_from_date,
        cast(valid_to as date) as valid_to_date
    from groups
)

select * from final
