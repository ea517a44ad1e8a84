{#- One row per household reviewed in a current (not superseded) return. The ward and the
    review year come from the return's file name, kept in the load audit. Names and citizen
    ID numbers are left behind here: nothing downstream needs them. -#}
with

loaded_rows as (
    {{ rows_of_loads(source('raw_ward_returns', 'poverty_review')) }}
),

typed as (
    select
        household_code,
        hamlet_code,
        file_ward_code as ward_code,
        _load_id as load_id,
        _source_file as source_file,
        _sheet as source_sheet,
        _row_number as source_row_number,
        cast(file_period as integer) as review_year,
        cast({{ vn_integer('member_count') }} as integer) as member_count,
        cast({{ vn_integer('deprivation_count') }} as integer)
            as deprivation_count_reported,
        normalize(hamlet_name, nfc) as hamlet_name,
        normalize(classification, nfc) as classification_vi,
        normalize(status_change, nfc) as status_change_vi,
        {{ vn_amount('income_per_person_month_amount') }}
            as income_per_person_month_amount,
        {{ vn_flag('is_deprived_employment') }} as is_deprived_employment,
        {{ vn_flag('is_deprived_dependants') }} as is_deprived_dependants,
        {{ vn_flag('is_deprived_nutrition') }} as is_deprived_nutrition,
        {{ vn_flag('is_deprived_health_insurance') }}
            as is_deprived_health_insurance,
        {{ vn_flag('is_deprived_adult_education') }} as is_deprived_adult_education,
        {{ vn_flag('is_deprived_child_schooling') }} as is_deprived_child_schooling,
        {{ vn_flag('is_deprived_housing_quality') }} as is_deprived_housing_quality,
        {{ vn_flag('is_deprived_housing_area') }} as is_deprived_housing_area,
        {{ vn_flag('is_deprived_water') }} as is_deprived_water,
        {{ vn_flag('is_deprived_latrine') }} as is_deprived_latrine,
        {{ vn_flag('is_deprived_telecom') }} as is_deprived_telecom,
        {{ vn_flag('is_deprived_information_access') }}
            as is_deprived_information_access,
        {{ vn_date('review_date') }} as review_date
    from loaded_rows
)

select * from typed
