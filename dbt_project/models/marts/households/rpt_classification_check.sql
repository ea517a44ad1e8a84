{#- Per ward and review year, how many reviewed households the ward classified differently
    from the standard, or counted their deprivations differently: the list is the ward's
    decision, this check says where it departs from the rule. -#}
with

statuses as (
    select * from {{ ref('fct_household_status') }}
),

geography as (
    select * from {{ ref('dim_geography') }}
),

per_ward as (
    select
        geography_key,
        review_year,
        count(*) as households_reviewed,
        count(*) filter (
            where is_classification_mismatch
        ) as classification_mismatches,
        count(*) filter (
            where is_deprivation_count_mismatch
        ) as deprivation_count_mismatches
    from statuses
    group by geography_key, review_year
),

final as (
    select
        per_ward.geography_key,
        geography.unit_code,
        geography.unit_name,
        per_ward.review_year,
        per_ward.households_reviewed,
        per_ward.classification_mismatches,
        per_ward.deprivation_count_mismatches,
        round(
            per_ward.classification_mismatches::numeric
            / nullif(per_ward.households_reviewed, 0),
            4
        ) as classification_mismatch_rate
    from per_ward
    left join geography
        on per_ward.geography_key = geography.geography_key
)

select * from final
