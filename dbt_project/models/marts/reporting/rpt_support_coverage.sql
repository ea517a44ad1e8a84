{#- Per ward or commune (the unit version of the review) and year: of the households poor,
    near-poor, or escaped within the year at that year's review, how many each kind of
    support reached during the calendar year. The kinds are the support the wards report
    (dim_support_type) and two from the other feeds: a health-insurance card covering any
    month of the year, and policy-bank credit (a loan disbursed or outstanding in any month).
    A household counts once per kind however often it was reached. -#}
with

statuses as (
    select * from {{ ref('fct_household_status') }}
),

support as (
    select * from {{ ref('fct_support') }}
),

cards as (
    select * from {{ ref('fct_insurance_cards') }}
),

loan_months as (
    select * from {{ ref('fct_loan_month') }}
),

support_types as (
    select * from {{ ref('dim_support_type') }}
),

geography as (
    select * from {{ ref('dim_geography') }}
),

in_some_group as (
    -- the few households of any group, filtered in one scan: `groups` reads them twice, and
    -- a CTE read twice is materialized (all 750,000 reviews at province scale, had it been
    -- `statuses`)
    select
        household_key,
        geography_key,
        review_year,
        classification_recomputed,
        coalesce(status_change_recomputed, status_change_reported)
            as status_change_code
    from statuses
    where
        classification_recomputed in ('NGHEO', 'CAN_NGHEO')
        or coalesce(status_change_recomputed, status_change_reported)
        in ('THOAT_NGHEO', 'THOAT_CAN_NGHEO')
),

groups as (
    select
        household_key,
        geography_key,
        review_year,
        classification_recomputed as household_group
    from in_some_group
    where classification_recomputed in ('NGHEO', 'CAN_NGHEO')
    union all
    select
        household_key,
        geography_key,
        review_year,
        'THOAT_TRONG_NAM' as household_group
    from in_some_group
    where status_change_code in ('THOAT_NGHEO', 'THOAT_CAN_NGHEO')
),

kinds as (
    select
        support_type_code as support_kind_code,
        name_vi as support_kind_name_vi,
        name_en as support_kind_name_en
    from support_types
    union all
    select
        'THE_BHYT' as support_kind_code,
        'Thẻ bảo hiểm y tế' as support_kind_name_vi,
        'Health-insurance card' as support_kind_name_en
    union all
    select
        'VAY_VON_CSXH' as support_kind_code,
        'Vay vốn Ngân hàng Chính sách xã hội' as support_kind_name_vi,
        'Policy-bank credit' as support_kind_name_en
),

-- only the households of some group are counted: each kind's rows are kept to theirs
-- before the union removes repeats (a twentieth of the 1.1 million support, card and loan
-- months of a province to make distinct, not all of them)
reached as (
    select
        household_key,
        support_type_code as support_kind_code,
        cast(extract(year from support_date) as integer) as support_year
    from support
    where household_key in (select groups.household_key from groups)
    union
    -- a card's years from the card itself, not from its months in fct_insurance_coverage
    -- (the same months: from its first to its last, when it ends after it starts), a
    -- twelfth of the rows
    select
        cards.household_key,
        'THE_BHYT' as support_kind_code,
        cast(card_year as integer) as support_year
    from cards
    cross join
        lateral generate_series(
            extract(year from cards.valid_from_date),
            extract(year from cards.valid_to_date)
        ) as card_year
    where
        cards.valid_to_date >= cards.valid_from_date
        and cards.household_key in (select groups.household_key from groups)
    union
    select
        household_key,
        'VAY_VON_CSXH' as support_kind_code,
        cast(extract(year from month_start_date) as integer) as support_year
    from loan_months
    where
        (outstanding_amount > 0 or disbursed_amount > 0)
        and household_key in (select groups.household_key from groups)
),

group_sizes as (
    select
        geography_key,
        review_year,
        household_group,
        count(*) as households_in_group
    from groups
    group by geography_key, review_year, household_group
),

reached_counts as (
    select
        groups.geography_key,
        groups.review_year,
        groups.household_group,
        reached.support_kind_code,
        count(*) as households_reached
    from groups
    inner join reached
        on
            groups.household_key = reached.household_key
            and groups.review_year = reached.support_year
    group by
        groups.geography_key,
        groups.review_year,
        groups.household_group,
        reached.support_kind_code
),

final as (
    select
        group_sizes.geography_key,
        geography.unit_code,
        geography.unit_name,
        geography.today_unit_code,
        geography.today_unit_name,
        group_sizes.household_group,
        kinds.support_kind_code,
        kinds.support_kind_name_vi,
        kinds.support_kind_name_en,
        group_sizes.review_year,
        group_sizes.households_in_group,
        coalesce(reached_counts.households_reached, 0) as households_reached,
        round(
            100.0 * coalesce(reached_counts.households_reached, 0)
            / group_sizes.households_in_group, 2
        ) as coverage_pct
    from group_sizes
    cross join kinds
    inner join geography
        on group_sizes.geography_key = geography.geography_key
    left join reached_counts
        on
            group_sizes.geography_key = reached_counts.geography_key
            and group_sizes.review_year = reached_counts.review_year
            and group_sizes.household_group = reached_counts.household_group
            and kinds.support_kind_code = reached_counts.support_kind_code
)

select * from final
