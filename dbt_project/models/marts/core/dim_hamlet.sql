{#- Hamlets (khóm in wards, ấp in communes) with the ward they were listed under. The list
    is assumed (no public one was found), hence is_assumed on every row. -#}
with

hamlets as (
    select * from {{ ref('hamlets') }}
),

final as (
    select
        hamlet_code,
        hamlet_name,
        hamlet_type,
        cast(ward_code as text) as ward_code,
        is_assumed
    from hamlets
)

select * from final
