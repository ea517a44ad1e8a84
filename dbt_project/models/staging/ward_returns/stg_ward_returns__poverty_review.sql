{#- One row per household reviewed in a current (not superseded) return. The ward and the
    review year come from the return's file name, kept in the load audit. Names and citizen
    ID numbers are left behind here: nothing downstream needs them. -#}
with

source as (
    select * from {{ source('raw_ward_returns', 'poverty_review') }}
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
        household_code,
        hamlet_code,
        file_ward_code as ward_code,
        _load_id as load_id,
        _source_file as source_file,
        _sheet as source_sheet,
        _row_number as source_row_number,
        cast(file_period as integer) as review_year,
        cast(ops.vn_number(member_count) as integer) as member_count,
        cast(ops.vn_number(deprivation_count) as integer)
            as deprivation_count_reported,
        normalize(hamlet_name, nfc) as hamlet_name,
        normalize(classification, nfc) as classification_vi,
        normalize(status_change, nfc) as status_change_vi,
        ops.vn_number(income_per_person_month_amount)
            as income_per_person_month_amount,
        is_deprived_employment = '1' as is_deprived_employment,
        is_deprived_dependants = '1' as is_deprived_dependants,
        is_deprived_nutrition = '1' as is_deprived_nutrition,
        is_deprived_health_insurance = '1'
            as is_deprived_health_insurance,
        is_deprived_adult_education = '1' as is_deprived_adult_education,
        is_deprived_child_schooling = '1' as is_deprived_child_schooling,
        is_deprived_housing_quality = '1' as is_deprived_housing_quality,
        is_deprived_housing_area = '1' as is_deprived_housing_area,
        is_deprived_water = '1' as is_deprived_water,
        is_deprived_latrine = '1' as is_deprived_latrine,
        is_deprived_telecom = '1' as is_deprived_telecom,
        is_deprived_information_access = '1'
            as is_deprived_information_access,
        ops.vn_date(review_date) as review_date
    from current_rows
)

select * from typed
