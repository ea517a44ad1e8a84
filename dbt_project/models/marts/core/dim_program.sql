{#- Everything support and money can be booked against, in one dimension: the MTQG's
    projects and sub-projects, the policy bank's credit programs (dated: their terms change
    by decision) and the programs outside the MTQG that the city reports beside it. -#}
with

projects as (
    select * from {{ ref('mtqg_projects') }}
),

credit_programs as (
    select * from {{ ref('vbsp_programs') }}
),

mtqg_and_outside as (
    select
        project_code as program_code,
        case when is_mtqg then 'mtqg' else 'outside_mtqg' end as program_family,
        level as program_level,
        parent_code,
        name_vi,
        name_en,
        source as legal_basis,
        cast(null as numeric) as max_loan_amount,
        cast(null as numeric) as interest_rate_pct_year,
        cast(null as date) as valid_from_date,
        cast(null as date) as valid_to_date
    from projects
),

credit as (
    select
        program_code,
        'vbsp_credit' as program_family,
        'chuong_trinh_tin_dung' as program_level,
        cast(null as text) as parent_code,
        name_vi,
        name_en,
        legal_basis,
        cast(max_loan_amount as numeric) as max_loan_amount,
        cast(interest_rate_pct_year as numeric) as interest_rate_pct_year,
        cast(valid_from as date) as valid_from_date,
        cast(valid_to as date) as valid_to_date
    from credit_programs
),

unioned as (
    select * from mtqg_and_outside
    union all
    select * from credit
),

final as (
    select
        {{ surrogate_key(['program_code', 'valid_from_date']) }} as program_key,
        program_code,
        program_family,
        program_level,
        parent_code,
        name_vi,
        name_en,
        legal_basis,
        max_loan_amount,
        interest_rate_pct_year,
        program_family = 'mtqg' as is_mtqg,
        valid_from_date,
        valid_to_date
    from unioned
)

select * from final
