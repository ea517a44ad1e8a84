with

support_types as (
    select * from {{ ref('support_types') }}
),

final as (
    select
        support_type_code,
        name_vi,
        name_en,
        default_unit
    from support_types
)

select * from final
