{#- Which publication `marts` shows and when it was published: one row, read live from the
    publish log (a view, so the publish time, unknown while the build runs, is there once it
    is published). Where dbt runs alone on an empty database there is no log yet: the row
    then has this schema's name and no number or times. -#}
-- depends_on: {{ source('ops', 'publish_log') }}
with

returns_held as (
    select * from {{ ref('rpt_publication_returns') }}
),

publication as (
    {%- if source_exists('ops', 'publish_log') %}
        select
            publication_id,
            build_schema,
            status,
            started_at as built_at,
            validated_at,
            published_at
        from {{ source('ops', 'publish_log') }}
        where build_schema = '{{ this.schema }}'
    {%- else %}
        select
            null::bigint as publication_id,
            '{{ this.schema }}'::text as build_schema,
            'building'::text as status,
            now() as built_at,
            null::timestamptz as validated_at,
            null::timestamptz as published_at
    {%- endif %}
),

held as (
    select
        count(*) as returns_held,
        count(distinct feed) as feeds_held,
        sum(rows_loaded) as rows_held,
        max(loaded_at) as last_loaded_at
    from returns_held
),

final as (
    select
        publication.publication_id,
        publication.build_schema,
        publication.status,
        held.returns_held,
        held.feeds_held,
        held.rows_held,
        publication.built_at,
        publication.validated_at,
        publication.published_at,
        held.last_loaded_at
    from publication
    cross join held
)

select * from final
