with

funding_sources as (
    select * from {{ ref('funding_sources') }}
),

final as (
    select
        funding_source_code,
        name_vi,
        name_en,
        value_vi as value_as_reported_vi
    from funding_sources
)

select * from final
