{#- The headline counts the city reports each year (the seed article's for 2023), per city
    (the unit above the wards) and year: households escaping poverty and near-poverty,
    health-insurance cards issued to poor, near-poor and newly escaped households and cards
    sponsored, households given electricity support, houses built and their cost, workers
    trained, workers placed in jobs, money raised for the social security fund, and poor
    households adopted by an agency. Escapes are by review year, the rest by the calendar
    year of the support, card issue or fund report. -#}
with

poverty as (
    select * from {{ ref('rpt_poverty_by_ward_year') }}
),

cards as (
    select * from {{ ref('fct_insurance_cards') }}
),

support as (
    select * from {{ ref('fct_support') }}
),

funds as (
    select * from {{ ref('fct_fund') }}
),

geography as (
    select * from {{ ref('dim_geography') }}
),

escapes as (
    select
        parent_geography_key as geography_key,
        review_year as report_year,
        sum(escaped_poverty_households) as escaped_poverty_households,
        sum(escaped_near_poverty_households)
            as escaped_near_poverty_households
    from poverty
    group by parent_geography_key, review_year
),

card_counts as (
    select
        geography.parent_geography_key as geography_key,
        cast(extract(year from cards.issued_date) as integer) as report_year,
        count(*) filter (where not cards.is_sponsored) as insurance_cards_issued,
        count(*) filter (where cards.is_sponsored) as sponsored_cards_issued
    from cards
    inner join geography
        on
            cards.ward_code = geography.unit_code
            and {{ valid_on('cards.issued_date', 'geography') }}
    group by geography.parent_geography_key, report_year
),

support_counts as (
    select
        geography.parent_geography_key as geography_key,
        cast(extract(year from support.support_date) as integer) as report_year,
        count(distinct support.household_key) filter (
            where support.support_type_code = 'TIEN_DIEN'
        ) as electricity_households,
        coalesce(sum(support.quantity) filter (
            where support.support_type_code = 'XAY_NHA'
        ), 0) as houses_built,
        coalesce(sum(support.support_amount) filter (
            where support.support_type_code = 'XAY_NHA'
        ), 0) as houses_amount,
        coalesce(sum(support.quantity) filter (
            where support.support_type_code = 'DAO_TAO_NGHE'
        ), 0) as workers_trained,
        coalesce(sum(support.quantity) filter (
            where support.support_type_code = 'VIEC_LAM'
        ), 0) as workers_placed_in_jobs,
        count(distinct support.household_key) filter (
            where support.support_type_code = 'DO_DAU'
        ) as adopted_households
    from support
    inner join geography on support.geography_key = geography.geography_key
    group by geography.parent_geography_key, report_year
),

social_fund as (
    select
        geography.parent_geography_key as geography_key,
        cast(extract(year from funds.month_start_date) as integer)
            as report_year,
        sum(funds.allocated_amount) as social_fund_raised_amount
    from funds
    inner join geography on funds.geography_key = geography.geography_key
    where funds.program_code = 'NGOAI-QASXH'
    group by geography.parent_geography_key, report_year
),

city_years as (
    select
        geography_key,
        report_year
    from escapes
    union
    select
        geography_key,
        report_year
    from card_counts
    union
    select
        geography_key,
        report_year
    from support_counts
    union
    select
        geography_key,
        report_year
    from social_fund
),

final as (
    select
        city_years.geography_key,
        geography.unit_code,
        geography.unit_name,
        'VND' as currency_code,
        city_years.report_year,
        cast(coalesce(escapes.escaped_poverty_households, 0) as bigint)
            as escaped_poverty_households,
        cast(coalesce(escapes.escaped_near_poverty_households, 0) as bigint)
            as escaped_near_poverty_households,
        cast(coalesce(support_counts.houses_built, 0) as bigint)
            as houses_built,
        cast(coalesce(support_counts.workers_trained, 0) as bigint)
            as workers_trained,
        cast(coalesce(support_counts.workers_placed_in_jobs, 0) as bigint)
            as workers_placed_in_jobs,
        coalesce(card_counts.insurance_cards_issued, 0)
            as insurance_cards_issued,
        coalesce(card_counts.sponsored_cards_issued, 0)
            as sponsored_cards_issued,
        coalesce(support_counts.electricity_households, 0)
            as electricity_households,
        coalesce(support_counts.houses_amount, 0) as houses_amount,
        coalesce(social_fund.social_fund_raised_amount, 0)
            as social_fund_raised_amount,
        coalesce(support_counts.adopted_households, 0) as adopted_households
    from city_years
    inner join geography on city_years.geography_key = geography.geography_key
    left join escapes
        on
            city_years.geography_key = escapes.geography_key
            and city_years.report_year = escapes.report_year
    left join card_counts
        on
            city_years.geography_key = card_counts.geography_key
            and city_years.report_year = card_counts.report_year
    left join support_counts
        on
            city_years.geography_key = support_counts.geography_key
            and city_years.report_year = support_counts.report_year
    left join social_fund
        on
            city_years.geography_key = social_fund.geography_key
            and city_years.report_year = social_fund.report_year
)

select * from final
