{#- The returns (files) this publication was built from: the current loads as the build read
    them, frozen with the publication, so a dashboard can say what the figures it shows
    contain. BI readers cannot read ops; this is their view of it. -#}
with

current_loads as (
    select * from {{ source('ops', 'current_loads') }}
),

load_audit as (
    select * from {{ source('ops', 'load_audit') }}
),

final as (
    select
        current_loads.load_id,
        current_loads.feed,
        current_loads.source_file,
        load_audit.sender_code,
        current_loads.ward_code,
        current_loads.period,
        load_audit.version,
        load_audit.rows_loaded,
        load_audit.rows_rejected,
        load_audit.finished_at as loaded_at
    from current_loads
    inner join load_audit
        on current_loads.load_id = load_audit.load_id
)

select * from final
