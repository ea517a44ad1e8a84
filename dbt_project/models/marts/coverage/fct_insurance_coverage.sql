{#- Grain: card issue x month covered, from the month its validity starts to the month it
    ends. The group's benefit level is the one valid in that month (levels are dated data);
    a card is sponsored when a sponsor paid for it, otherwise paid by the state budget in
    full or in part. -#}
{{ config(
    materialized='versioned',
    scope_macro='insurance_scope',
    period_column='month_start_date'
) }}
with

cards as (
    select * from {{ ref('stg_insurance__cards') }}
),

groups as (
    select * from {{ ref('dim_insurance_group') }}
),

geography as (
    select * from {{ ref('dim_geography') }}
),

-- pseudonymised once a card, not once a month it covers (materialized: inlined, the
-- hash would be computed where the months are joined)
keyed_cards as materialized (
    select
        cards.*,
        {{ pseudonymize("cards.card_number || '|' || cards.valid_from_date") }}
            as card_issue_key,
        {{ pseudonymize('cards.household_code') }} as household_key
    from cards
),

card_months as (
    select
        cards.*,
        cast(month_start as date) as month_start_date
    from keyed_cards as cards
    cross join
        lateral generate_series(
            date_trunc('month', cards.valid_from_date),
            date_trunc('month', cards.valid_to_date),
            interval '1 month'
        ) as month_start
    where cards.valid_to_date >= cards.valid_from_date
),

final as (
    select
        {{ surrogate_key([
            'card_months.card_number',
            'card_months.valid_from_date',
            'card_months.month_start_date',
        ]) }} as coverage_key,
        card_months.card_issue_key,
        card_months.household_key,
        groups.insurance_group_key,
        geography.geography_key,
        card_months.ward_code,
        card_months.beneficiary_group as group_code,
        case
            when card_months.sponsor_name is not null then 'sponsored'
            when card_months.state_budget_share_pct >= 100 then 'state_paid'
            else 'state_part_paid'
        end as premium_payer,
        groups.benefit_level,
        card_months.state_budget_share_pct,
        cast(to_char(card_months.month_start_date, 'YYYYMM') as integer)
            as month_key,
        card_months.sponsor_name is not null as is_sponsored,
        card_months.month_start_date,
        card_months.load_id,
        card_months.source_row_number
    from card_months
    left join groups
        on
            card_months.beneficiary_group = groups.group_code
            and {{ valid_on('card_months.month_start_date', 'groups') }}
    left join geography
        on
            card_months.ward_code = geography.unit_code
            and {{ valid_on('card_months.valid_from_date', 'geography') }}
)

select * from final
where {{ insurance_scope(this) }}
