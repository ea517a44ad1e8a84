{#- Per ward or commune (the unit version of that year) and review year: households and
    people poor and near-poor by the standard the warehouse applies, their rates against all
    households reviewed, and the moves since the previous review. The moves are the
    warehouse's own comparison of consecutive reviews; a household's first review in the
    warehouse has none, so there the move its ward reported counts. Each row also names the
    unit that holds its territory today: summing the counts by today_unit_code rolls history
    up to today's geography without mixing Phường 1 (2023) with Phường Bạc Liêu (2025). -#}
with

statuses as (
    select * from {{ ref('fct_household_status') }}
),

geography as (
    select * from {{ ref('dim_geography') }}
),

moves as (
    select
        geography_key,
        review_year,
        member_count,
        classification_recomputed,
        coalesce(status_change_recomputed, status_change_reported)
            as status_change_code,
        status_change_recomputed is null as is_change_as_reported
    from statuses
),

per_unit as (
    select
        geography_key,
        review_year,
        count(*) as households_reviewed,
        coalesce(sum(member_count), 0) as people_reviewed,
        count(*) filter (
            where classification_recomputed = 'NGHEO'
        ) as poor_households,
        count(*) filter (
            where classification_recomputed = 'CAN_NGHEO'
        ) as near_poor_households,
        coalesce(sum(member_count) filter (
            where classification_recomputed = 'NGHEO'
        ), 0) as poor_people,
        coalesce(sum(member_count) filter (
            where classification_recomputed = 'CAN_NGHEO'
        ), 0) as near_poor_people,
        count(*) filter (
            where status_change_code = 'THOAT_NGHEO'
        ) as escaped_poverty_households,
        count(*) filter (
            where status_change_code = 'THOAT_CAN_NGHEO'
        ) as escaped_near_poverty_households,
        count(*) filter (
            where status_change_code = 'TAI_NGHEO'
        ) as fell_back_poor_households,
        count(*) filter (
            where status_change_code = 'TAI_CAN_NGHEO'
        ) as fell_back_near_poor_households,
        count(*) filter (
            where
            status_change_code = 'PHAT_SINH_MOI'
            and classification_recomputed = 'NGHEO'
        ) as newly_poor_households,
        count(*) filter (
            where
            status_change_code = 'PHAT_SINH_MOI'
            and classification_recomputed = 'CAN_NGHEO'
        ) as newly_near_poor_households,
        count(*) filter (
            where is_change_as_reported
        ) as changes_as_reported_households
    from moves
    group by geography_key, review_year
),

final as (
    select
        per_unit.geography_key,
        geography.today_geography_key,
        geography.parent_geography_key,
        geography.unit_code,
        geography.unit_name,
        geography.unit_type,
        geography.parent_code,
        geography.parent_name,
        geography.today_unit_code,
        geography.today_unit_name,
        per_unit.review_year,
        per_unit.households_reviewed,
        per_unit.people_reviewed,
        per_unit.poor_households,
        per_unit.near_poor_households,
        per_unit.poor_people,
        per_unit.near_poor_people,
        per_unit.escaped_poverty_households,
        per_unit.escaped_near_poverty_households,
        per_unit.fell_back_poor_households,
        per_unit.fell_back_near_poor_households,
        per_unit.newly_poor_households,
        per_unit.newly_near_poor_households,
        per_unit.changes_as_reported_households,
        round(
            100.0 * per_unit.poor_households
            / nullif(per_unit.households_reviewed, 0), 2
        ) as poverty_rate_pct,
        round(
            100.0 * per_unit.near_poor_households
            / nullif(per_unit.households_reviewed, 0), 2
        ) as near_poverty_rate_pct
    from per_unit
    inner join geography on per_unit.geography_key = geography.geography_key
)

select * from final
