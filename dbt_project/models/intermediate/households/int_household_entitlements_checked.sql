{#- Each poor or near-poor household of the latest review, and whether it held what its
    status entitles it to at the end of that review year (its as-of month, December): a
    valid health-insurance card of its group (seeds/poverty_classifications'
    entitled_card_group: HN poor, CN near-poor) for at least one member, and policy-bank
    credit (a loan disbursed or outstanding that month). Pseudonymous keys only. -#}
with

statuses as (
    select * from {{ ref('fct_household_status') }}
),

review_years as (
    -- read apart from `statuses`: a CTE read twice is materialized, all review years of it
    select review_year from {{ ref('fct_household_status') }}
),

classifications as (
    select * from {{ ref('poverty_classifications') }}
),

coverage as (
    select * from {{ ref('fct_insurance_coverage') }}
),

loan_months as (
    select * from {{ ref('fct_loan_month') }}
),

latest_review as (
    select
        max(review_year) as review_year,
        make_date(max(review_year), 12, 1) as as_of_month_date
    from review_years
),

entitled as (
    select
        statuses.household_key,
        statuses.geography_key,
        statuses.ward_code,
        statuses.hamlet_code,
        statuses.classification_recomputed as classification_code,
        classifications.entitled_card_group,
        statuses.review_year,
        latest_review.as_of_month_date
    from statuses
    inner join latest_review on statuses.review_year = latest_review.review_year
    inner join classifications
        on statuses.classification_recomputed = classifications.classification_code
    where classifications.is_poor_or_near_poor
),

carded as (
    select distinct
        coverage.household_key,
        coverage.group_code,
        coverage.month_start_date
    from coverage
    inner join latest_review
        on coverage.month_start_date = latest_review.as_of_month_date
),

borrowing as (
    select distinct
        loan_months.household_key,
        loan_months.month_start_date
    from loan_months
    inner join latest_review
        on loan_months.month_start_date = latest_review.as_of_month_date
    where
        loan_months.outstanding_amount > 0
        or loan_months.disbursed_amount > 0
),

final as (
    select
        entitled.household_key,
        entitled.geography_key,
        entitled.ward_code,
        entitled.hamlet_code,
        entitled.classification_code,
        entitled.entitled_card_group,
        entitled.review_year,
        entitled.as_of_month_date,
        carded.household_key is null as is_missing_card,
        borrowing.household_key is null as is_missing_credit
    from entitled
    left join carded
        on
            entitled.household_key = carded.household_key
            and entitled.entitled_card_group = carded.group_code
            and entitled.as_of_month_date = carded.month_start_date
    left join borrowing
        on
            entitled.household_key = borrowing.household_key
            and entitled.as_of_month_date = borrowing.month_start_date
)

select * from final
