{#- One row per version of an administrative unit: a unit is (code, valid from, valid to),
    never a code alone, because the 2025 reorganisation gave new wards old codes. Each
    version also names the unit that holds its territory today, so history can be reported
    under its own name or rolled up to today's geography. -#}
with

units as (
    select * from {{ ref('units') }}
),

versions as (
    select
        cast(code as text) as unit_code,
        name as unit_name,
        type as unit_type,
        cast(parent_code as text) as parent_code,
        area_type,
        cast(successor_code as text) as successor_code,
        cast(valid_from as date) as valid_from_date,
        cast(valid_to as date) as valid_to_date
    from units
),

with_parent as (
    select
        versions.*,
        parents.unit_name as parent_name,
        parents.unit_type as parent_type,
        parents.valid_from_date as parent_valid_from_date
    from versions
    left join versions as parents
        on
            versions.parent_code = parents.unit_code
            and {{ valid_on('versions.valid_from_date', 'parents') }}
),

successors as (
    {#- the version of the successor code that begins after this version ends -#}
    select
        with_parent.unit_code,
        with_parent.valid_from_date,
        heirs.unit_code as today_unit_code,
        heirs.unit_name as today_unit_name,
        heirs.valid_from_date as today_valid_from_date
    from with_parent
    inner join versions as heirs
        on
            with_parent.successor_code = heirs.unit_code
            and with_parent.valid_to_date < heirs.valid_from_date
            and heirs.valid_to_date is null
),

final as (
    select
        {{ surrogate_key(['with_parent.unit_code', 'with_parent.valid_from_date']) }}
            as geography_key,
        with_parent.unit_code,
        with_parent.unit_name,
        with_parent.unit_type,
        with_parent.area_type,
        with_parent.parent_code,
        with_parent.parent_name,
        with_parent.parent_type,
        case
            when with_parent.parent_code is not null
                then {{ surrogate_key([
                    'with_parent.parent_code', 'with_parent.parent_valid_from_date'
                ]) }}
        end as parent_geography_key,
        coalesce(successors.today_unit_code, with_parent.unit_code)
            as today_unit_code,
        coalesce(successors.today_unit_name, with_parent.unit_name)
            as today_unit_name,
        {{ surrogate_key([
            'coalesce(successors.today_unit_code, with_parent.unit_code)',
            'coalesce(successors.today_valid_from_date, with_parent.valid_from_date)',
        ]) }} as today_geography_key,
        with_parent.unit_type in ('phuong', 'xa') as is_ward_or_commune,
        with_parent.valid_to_date is null as is_current,
        with_parent.valid_from_date,
        with_parent.valid_to_date
    from with_parent
    left join successors
        on
            with_parent.unit_code = successors.unit_code
            and with_parent.valid_from_date = successors.valid_from_date
)

select * from final
