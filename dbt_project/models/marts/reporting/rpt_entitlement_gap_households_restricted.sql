{#- RESTRICTED: the poor and near-poor households of the latest review missing a valid
    health-insurance card of their group or policy-bank credit, one row each, for the ward
    officer's follow-up. Built and audited with the publication like every mart, but its
    name ends in `_restricted`: the publish step gives such a relation its view in the
    schema `restricted`, not in `marts`, and the BI reader role cannot read `restricted`
    (publication/lifecycle.py RESTRICTED_SUFFIX, publication/reader_role.py). Pseudonymous
    key and hamlet only: no names, no ID numbers. -#}
with

checked as (
    select * from {{ ref('int_household_entitlements_checked') }}
),

hamlets as (
    select * from {{ ref('dim_hamlet') }}
),

final as (
    select
        checked.household_key,
        checked.geography_key,
        checked.ward_code,
        checked.hamlet_code,
        hamlets.hamlet_name,
        checked.classification_code,
        checked.review_year,
        checked.is_missing_card,
        checked.is_missing_credit,
        checked.as_of_month_date,
        concat_ws(
            '; ',
            case when checked.is_missing_card then 'thẻ BHYT' end,
            case when checked.is_missing_credit then 'vay vốn NHCSXH' end
        ) as missing_vi,
        concat_ws(
            '; ',
            case when checked.is_missing_card then 'health-insurance card' end,
            case when checked.is_missing_credit then 'policy-bank credit' end
        ) as missing_en
    from checked
    left join hamlets on checked.hamlet_code = hamlets.hamlet_code
    where checked.is_missing_card or checked.is_missing_credit
)

select * from final
