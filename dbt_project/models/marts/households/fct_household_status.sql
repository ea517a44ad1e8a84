{#- Household x review year: the classification the ward reported and the one the standard
    gives, income per head against the line, the twelve deprivations, and the move since the
    previous review. Joined to the unit version valid on the review date, so Phường 1 in 2023
    and Phường Bạc Liêu in 2025 (same code 31825) stay apart. -#}
{{ config(
    materialized='versioned',
    scope_macro='household_status_scope',
    period_column='review_year'
) }}
with

reviews as (
    select * from {{ ref('int_household_status_transitions') }}
),

geography as (
    select * from {{ ref('dim_geography') }}
),

households as (
    select * from {{ ref('dim_household') }}
),

status_changes as (
    select * from {{ ref('poverty_status_changes') }}
),

keyed as (
    select
        {{ pseudonymize('household_code') }} as household_key,
        *
    from reviews
),

final as (
    select
        {{ surrogate_key(['keyed.household_key', 'keyed.review_year']) }}
            as household_status_key,
        keyed.household_key,
        households.household_version_key,
        geography.geography_key,
        keyed.ward_code,
        keyed.hamlet_code,
        keyed.classification_reported,
        keyed.classification_recomputed,
        reported_change.status_change_code as status_change_reported,
        keyed.status_change_recomputed,
        keyed.area_type,
        keyed.review_year,
        keyed.member_count,
        keyed.deprivation_count,
        keyed.deprivation_count_reported,
        keyed.income_per_person_month_amount,
        keyed.poverty_line_amount,
        'VND' as currency_code,
        keyed.is_deprived_employment,
        keyed.is_deprived_dependants,
        keyed.is_deprived_nutrition,
        keyed.is_deprived_health_insurance,
        keyed.is_deprived_adult_education,
        keyed.is_deprived_child_schooling,
        keyed.is_deprived_housing_quality,
        keyed.is_deprived_housing_area,
        keyed.is_deprived_water,
        keyed.is_deprived_latrine,
        keyed.is_deprived_telecom,
        keyed.is_deprived_information_access,
        keyed.is_classification_mismatch,
        keyed.is_deprivation_count_mismatch,
        keyed.review_date,
        keyed.load_id,
        keyed.source_row_number
    from keyed
    left join geography
        on
            keyed.ward_code = geography.unit_code
            and {{ valid_on('keyed.review_date', 'geography') }}
    left join households
        on
            keyed.household_key = households.household_key
            and {{ valid_on('keyed.review_date', 'households') }}
    left join status_changes as reported_change
        on keyed.status_change_vi = reported_change.value_vi
)

select * from final
where {{ household_status_scope(this) }}
