{#- Per ward or commune and classification, of the poor and near-poor households of the
    latest review: how many held no valid health-insurance card of their group, and how
    many no policy-bank credit, at the end of the review year. Counts and rates only: the
    list of those households, for the ward officer's follow-up, is
    rpt_entitlement_gap_households_restricted, published in the schema
    `restricted`, which the BI reader cannot read. -#}
with

checked as (
    select * from {{ ref('int_household_entitlements_checked') }}
),

geography as (
    select * from {{ ref('dim_geography') }}
),

per_ward as (
    select
        geography_key,
        classification_code,
        review_year,
        as_of_month_date,
        count(*) as households,
        count(*) filter (where is_missing_card) as households_without_card,
        count(*) filter (
            where is_missing_credit
        ) as households_without_credit,
        count(*) filter (
            where is_missing_card and is_missing_credit
        ) as households_without_either
    from checked
    group by geography_key, classification_code, review_year, as_of_month_date
),

final as (
    select
        per_ward.geography_key,
        geography.unit_code,
        geography.unit_name,
        geography.today_unit_code,
        geography.today_unit_name,
        per_ward.classification_code,
        per_ward.review_year,
        per_ward.households,
        per_ward.households_without_card,
        per_ward.households_without_credit,
        per_ward.households_without_either,
        (
            date_trunc('month', per_ward.as_of_month_date)
            + interval '1 month - 1 day'
        )::date as as_of_date,
        round(
            100.0 * per_ward.households_without_card / per_ward.households, 2
        ) as without_card_pct,
        round(
            100.0 * per_ward.households_without_credit / per_ward.households, 2
        ) as without_credit_pct
    from per_ward
    inner join geography on per_ward.geography_key = geography.geography_key
)

select * from final
