{#- One row per support delivered, as the ward's monthly return lists it: to a household,
    or to the ward itself for community-level support (no household then). Versioned
    (macros/versioned_facts.sql): a build with a base adds the rows of its changed loads. -#}
{{ config(materialized='versioned', scope_macro='support_scope') }}
with

support as (
    select * from {{ ref('stg_ward_returns__support') }}
),

geography as (
    select * from {{ ref('dim_geography') }}
),

programs as (
    select * from {{ ref('dim_program') }}
),

final as (
    select
        {{ surrogate_key(['support.load_id', 'support.source_row_number']) }}
            as support_key,
        case
            when support.household_code is not null
                then {{ pseudonymize('support.household_code') }}
        end as household_key,
        geography.geography_key,
        programs.program_key,
        support.ward_code,
        support.support_type_code,
        support.project_code as program_code,
        support.funding_source_code,
        support.quantity_unit,
        support.sponsor_name,
        support.support_amount,
        'VND' as currency_code,
        support.quantity,
        support.household_code is null as is_community_level,
        support.support_date,
        cast(to_char(support.support_date, 'YYYYMMDD') as integer) as date_key,
        cast(to_char(support.support_date, 'YYYYMM') as integer) as month_key,
        support.load_id,
        support.source_row_number
    from support
    left join geography
        on
            support.ward_code = geography.unit_code
            and {{ valid_on('support.support_date', 'geography') }}
    left join programs
        on
            support.project_code = programs.program_code
            and programs.program_family <> 'vbsp_credit'
)

select * from final
where {{ support_scope(this) }}
