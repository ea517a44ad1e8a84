{#- The multidimensional poverty standard, implemented once: each reviewed household
    classified again from its income per head, its twelve deprivation flags and the income
    line valid on the review date for its unit's area type (the unit as it was on that
    date: Xã Vĩnh Trạch was rural, Phường Vĩnh Trạch from July 2025 is urban).
    Poor: income at or below the line and 3 or more deprivations; near-poor: at or below
    the line with fewer than 3; not poor: above the line (Decree 07/2021/NĐ-CP). -#}
with

reviews as (
    select * from {{ ref('stg_ward_returns__poverty_review') }}
),

units as (
    select * from {{ ref('units') }}
),

poverty_lines as (
    select * from {{ ref('poverty_lines') }}
),

classifications as (
    select * from {{ ref('poverty_classifications') }}
),

counted as (
    select
        *,
        (
            cast(is_deprived_employment as integer)
            + cast(is_deprived_dependants as integer)
            + cast(is_deprived_nutrition as integer)
            + cast(is_deprived_health_insurance as integer)
            + cast(is_deprived_adult_education as integer)
            + cast(is_deprived_child_schooling as integer)
            + cast(is_deprived_housing_quality as integer)
            + cast(is_deprived_housing_area as integer)
            + cast(is_deprived_water as integer)
            + cast(is_deprived_latrine as integer)
            + cast(is_deprived_telecom as integer)
            + cast(is_deprived_information_access as integer)
        ) as deprivation_count
    from reviews
),

with_line as (
    select
        counted.*,
        units.area_type,
        poverty_lines.line_amount as poverty_line_amount
    from counted
    left join units
        on
            counted.ward_code = units.code
            and {{ valid_on('counted.review_date', 'units', 'valid_from', 'valid_to') }}
    left join poverty_lines
        on
            units.area_type = poverty_lines.area_type
            and {{ valid_on('counted.review_date', 'poverty_lines', 'valid_from', 'valid_to') }}
),

classified as (
    select
        with_line.*,
        reported.classification_code as classification_reported,
        case
            when with_line.poverty_line_amount is null then null
            when
                with_line.income_per_person_month_amount
                > with_line.poverty_line_amount
                then 'KHONG_NGHEO'
            when with_line.deprivation_count >= 3 then 'NGHEO'
            else 'CAN_NGHEO'
        end as classification_recomputed
    from with_line
    left join classifications as reported
        on with_line.classification_vi = reported.value_vi
),

final as (
    select
        *,
        coalesce(
            classification_reported <> classification_recomputed,
            classification_reported is null
            or classification_recomputed is null
        ) as is_classification_mismatch,
        coalesce(
            deprivation_count_reported <> deprivation_count, false
        ) as is_deprivation_count_mismatch
    from classified
)

select * from final
