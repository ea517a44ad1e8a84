{#- Planned against achieved escapes from poverty and near-poverty, per ward or commune and
    per city (the unit one level up) and year. Plans come from no feed: the dated seed
    poverty_escape_targets holds them (for the demo, assumed and marked so). A ward's plan
    belongs to the unit version in force on the day it was decided; its achievement is that
    unit's escapes in the year's review (rpt_poverty_by_ward_year). A plan with no review, or
    a review with no plan, still shows, the other side empty. -#}
with

targets as (
    select * from {{ ref('poverty_escape_targets') }}
),

results as (
    select * from {{ ref('rpt_poverty_by_ward_year') }}
),

geography as (
    select * from {{ ref('dim_geography') }}
),

planned as (
    select
        geography.geography_key,
        targets.plan_year,
        targets.escaped_poverty_target,
        targets.escaped_near_poverty_target,
        targets.is_assumed,
        targets.decided_date
    from targets
    inner join geography
        on
            cast(targets.unit_code as text) = geography.unit_code
            and {{ valid_on('targets.decided_date', 'geography') }}
),

wards as (
    select
        planned.escaped_poverty_target,
        planned.escaped_near_poverty_target,
        results.escaped_poverty_households as escaped_poverty_achieved,
        results.escaped_near_poverty_households
            as escaped_near_poverty_achieved,
        planned.is_assumed,
        planned.decided_date,
        coalesce(planned.geography_key, results.geography_key)
            as geography_key,
        coalesce(planned.plan_year, results.review_year) as plan_year
    from planned
    full outer join results
        on
            planned.geography_key = results.geography_key
            and planned.plan_year = results.review_year
),

ward_rows as (
    select
        geography_key,
        plan_year,
        'ward_or_commune' as report_level,
        escaped_poverty_target,
        escaped_near_poverty_target,
        escaped_poverty_achieved,
        escaped_near_poverty_achieved,
        is_assumed,
        decided_date
    from wards
),

city_rows as (
    select
        geography.parent_geography_key as geography_key,
        wards.plan_year,
        'city_or_province' as report_level,
        sum(wards.escaped_poverty_target) as escaped_poverty_target,
        sum(wards.escaped_near_poverty_target) as escaped_near_poverty_target,
        sum(wards.escaped_poverty_achieved) as escaped_poverty_achieved,
        sum(wards.escaped_near_poverty_achieved)
            as escaped_near_poverty_achieved,
        bool_or(wards.is_assumed) as is_assumed,
        max(wards.decided_date) as decided_date
    from wards
    inner join geography on wards.geography_key = geography.geography_key
    where geography.parent_geography_key is not null
    group by geography.parent_geography_key, wards.plan_year
),

both_levels as (
    select * from ward_rows
    union all
    select * from city_rows
),

final as (
    select
        both_levels.geography_key,
        geography.unit_code,
        geography.unit_name,
        geography.unit_type,
        both_levels.report_level,
        both_levels.plan_year,
        cast(both_levels.escaped_poverty_target as bigint)
            as escaped_poverty_target,
        cast(both_levels.escaped_poverty_achieved as bigint)
            as escaped_poverty_achieved,
        cast(both_levels.escaped_near_poverty_target as bigint)
            as escaped_near_poverty_target,
        cast(both_levels.escaped_near_poverty_achieved as bigint)
            as escaped_near_poverty_achieved,
        both_levels.decided_date as target_decided_date,
        round(
            100.0 * both_levels.escaped_poverty_achieved
            / nullif(both_levels.escaped_poverty_target, 0), 1
        ) as escaped_poverty_achievement_pct,
        round(
            100.0 * both_levels.escaped_near_poverty_achieved
            / nullif(both_levels.escaped_near_poverty_target, 0), 1
        ) as escaped_near_poverty_achievement_pct,
        coalesce(
            both_levels.escaped_poverty_achieved
            >= both_levels.escaped_poverty_target
            and both_levels.escaped_near_poverty_achieved
            >= both_levels.escaped_near_poverty_target,
            false
        ) as is_target_met,
        coalesce(both_levels.is_assumed, false) as is_target_assumed
    from both_levels
    inner join geography on both_levels.geography_key = geography.geography_key
)

select * from final
