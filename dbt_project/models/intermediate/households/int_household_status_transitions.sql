{#- How each household's recomputed classification moved since its previous review, by
    the rules of seeds/poverty_status_changes.csv: escaped (poverty or near-poverty), fell
    back (to a status held in some earlier year), newly poor or near-poor, unchanged. A
    household's first review in the warehouse has no previous one: its transition is empty
    and the reported one stands beside it. -#}
with

classified as (
    select * from {{ ref('int_household_reviews_classified') }}
),

ranked as (
    select
        *,
        case classification_recomputed
            when 'NGHEO' then 2 when 'CAN_NGHEO' then 1 else 0
        end as severity
    from classified
),

history as (
    select
        *,
        lag(classification_recomputed) over household_years
            as previous_classification,
        lag(review_year) over household_years as previous_review_year,
        lag(severity) over household_years as previous_severity,
        coalesce(
            bool_or(classification_recomputed = 'NGHEO') over earlier_years,
            false
        ) as was_ever_poor,
        coalesce(
            bool_or(classification_recomputed = 'CAN_NGHEO') over earlier_years,
            false
        ) as was_ever_near_poor
    from ranked
    window
        household_years as (partition by household_code order by review_year),
        earlier_years as (
            partition by household_code order by review_year
            rows between unbounded preceding and 1 preceding
        )
),

final as (
    select
        *,
        case
            when previous_classification is null then null
            when previous_classification = 'NGHEO' and severity < 2
                then 'THOAT_NGHEO'
            when previous_classification = 'CAN_NGHEO' and severity = 0
                then 'THOAT_CAN_NGHEO'
            when severity > previous_severity and severity = 2 and was_ever_poor
                then 'TAI_NGHEO'
            when
                severity > previous_severity and severity = 1 and was_ever_near_poor
                then 'TAI_CAN_NGHEO'
            when severity > previous_severity then 'PHAT_SINH_MOI'
            else 'KHONG_DOI'
        end as status_change_recomputed
    from history
)

select * from final
