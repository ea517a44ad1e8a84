{#- Households as slowly changing dimension (type 2) on classification, hamlet and size:
    a new version starts on the review date whenever one of them changes. Rebuilt from
    every current review whenever a review arrives or is corrected (a correction, which
    supersedes the earlier return in staging, reshapes the history instead of appending to
    it); versioned, so a build without one keeps the versions it had
    (macros/versioned_facts.sql household_versions_scope). Only the keyed hash of the
    household code leaves staging. -#}
{{ config(materialized='versioned', scope_macro='household_versions_scope') }}
with

reviews as (
    select * from {{ ref('int_household_status_transitions') }}
),

compared as (
    select
        household_code,
        ward_code,
        hamlet_code,
        member_count,
        classification_reported,
        review_year,
        review_date,
        lag(review_year) over household_years as previous_review_year,
        lag(classification_reported) over household_years
            as previous_classification,
        lag(hamlet_code) over household_years as previous_hamlet_code,
        lag(member_count) over household_years as previous_member_count
    from reviews
    window household_years as (partition by household_code order by review_year)
),

versions as (
    select
        *,
        lead(review_date) over (
            partition by household_code order by review_year
        ) as next_version_date
    from compared
    where
        previous_review_year is null
        or classification_reported is distinct from previous_classification
        or hamlet_code is distinct from previous_hamlet_code
        or member_count is distinct from previous_member_count
),

keyed as (
    select
        {{ pseudonymize('household_code') }} as household_key,
        ward_code,
        hamlet_code,
        member_count,
        classification_reported as classification_code,
        review_year as first_review_year,
        review_date as valid_from_date,
        cast(next_version_date - 1 as date) as valid_to_date,
        next_version_date is null as is_current
    from versions
),

final as (
    select
        {{ surrogate_key(['household_key', 'valid_from_date']) }}
            as household_version_key,
        *
    from keyed
)

select * from final
where {{ household_versions_scope(this) }}
