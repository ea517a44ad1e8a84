{#- Grain: loan x month, from the loan's first disbursement to the month it was paid off
    or written off (or the feed's last month while it is still open). Flows are the month's
    events; the balance is the last one the bank reported at or before the month's end,
    carried forward through months without events. Lineage: each row carries the load and
    row of that last event, the one its balance comes from (in a month without events, the
    earlier event carried forward). The credit terms are those in force on the day the loan
    was disbursed: a loan of 2023 never takes terms decided in 2024. Versioned (macros/
    versioned_facts.sql): a build with a base recomputes the months from the first month of
    its changed loads on. -#}
{{ config(
    materialized='versioned',
    scope_macro='loan_month_scope',
    period_column='month_start_date'
) }}
{%- set scope_start = loan_month_scope_start(this) | trim %}
with

events as (
    select * from {{ ref('stg_bank__loan_events') }}
),

geography as (
    select * from {{ ref('dim_geography') }}
),

programs as (
    select * from {{ ref('dim_program') }}
),

-- each event's place in its loan's history, from one sort of the events
loan_histories as (
    select
        events.*,
        row_number() over by_date as event_number,
        count(*) over whole_loan as loan_event_count
    {%- if scope_start %},
        count(*) filter (where event_date < date '{{ scope_start }}')
            over whole_loan as events_before_scope
        {%- endif %}
    from events
    window
        by_date as (
            partition by loan_account order by event_date asc, transaction_id asc
        ),
        whole_loan as (partition by loan_account)
),

-- one row a loan: its first event (the disbursement: who borrowed, where, under which
-- program), its last (whether it is closed) and, in a build with a scope, its last before
-- the scope (the balance the scope's months carry in). Grouped rather than picked out of
-- the histories by event number: the planner estimates a group a loan, where it took
-- such a pick for a few hundred rows and joined two of them by scanning the histories
-- again for each loan (197 s, not 1, at province scale)
loans as (
    select
        loan_account,
        max(household_code) filter (where event_number = 1) as household_code,
        max(ward_code) filter (where event_number = 1) as ward_code,
        max(program_code) filter (where event_number = 1) as program_code,
        max(entrusting_org_code) filter (where event_number = 1)
            as entrusting_org_code,
        min(event_date) as disbursed_date,
        max(event_date) as last_event_date,
        bool_or(outstanding_amount = 0) filter (
            where event_number = loan_event_count
        ) as is_closed
    {%- if scope_start %},
        max(events_before_scope) as events_before_scope,
        max(outstanding_amount) filter (
            where event_number = events_before_scope
        ) as carried_outstanding_amount,
        bool_or(is_overdue) filter (
            where event_number = events_before_scope
        ) as carried_is_overdue,
        max(load_id) filter (
            where event_number = events_before_scope
        ) as carried_load_id,
        max(source_row_number) filter (
            where event_number = events_before_scope
        ) as carried_source_row_number
        {%- endif %}
    from loan_histories
    group by loan_account
),

-- pseudonymised once a loan, not once a loan-month: a hash costs microseconds, and a
-- province has twenty times more loan-months than loans (materialized: inlined, the hash
-- would be computed where the months are joined, once a month again)
keyed_loans as materialized (
    select
        loans.loan_account,
        loans.ward_code,
        loans.program_code,
        loans.entrusting_org_code,
        loans.disbursed_date,
        {{ pseudonymize('loans.loan_account') }} as loan_key,
        {{ pseudonymize('loans.household_code') }} as household_key
    from loans
),

-- materialized: one row, computed once. Inlined, the planner may put the aggregate on the
-- inner side of the join with the loans and scan every event again for each loan (a province's
-- 17,000 loans times 226,000 events: minutes, not seconds)
feed_end as materialized (
    select max(event_date) as last_event_date from events
),
{%- if scope_start %}

-- the month before the scope, as each loan's last event before it left it: the balance
-- the months of the scope carry forward
carried_in as (
    select
        loan_account,
        cast(date '{{ scope_start }}' - interval '1 month' as date)
            as month_start_date,
        carried_outstanding_amount as outstanding_amount,
        carried_is_overdue as is_overdue,
        carried_load_id as load_id,
        carried_source_row_number as source_row_number
    from loans
    where events_before_scope > 0
),
{%- endif %}

loan_months as (
    select
        loans.loan_account,
        cast(month_start as date) as month_start_date
    from loans
    cross join feed_end
    cross join
        lateral generate_series(
            {%- if scope_start %}
            greatest(
                date_trunc('month', loans.disbursed_date),
                date_trunc('month', date '{{ scope_start }}')
            ),
        {%- else %}
                date_trunc('month', loans.disbursed_date),
            {%- endif %}
            date_trunc(
                'month',
                case
                    when loans.is_closed then loans.last_event_date
                    else feed_end.last_event_date
                end
            ),
            interval '1 month'
        ) as month_start
    {%- if scope_start %}
        union all
        select
            loan_account,
            month_start_date
        from carried_in
    {%- endif %}
),

flows as (
    select
        loan_account,
        cast(date_trunc('month', event_date) as date) as month_start_date,
        coalesce(sum(event_amount) filter (where event_code = 'GN'), 0)
            as disbursed_amount,
        coalesce(sum(event_amount) filter (where event_code = 'TN'), 0)
            as repaid_amount,
        coalesce(sum(event_amount) filter (where event_code = 'TL'), 0)
            as interest_collected_amount,
        coalesce(sum(event_amount) filter (where event_code = 'XN'), 0)
            as written_off_amount,
        (array_agg(
            outstanding_amount order by event_date desc, transaction_id desc
        ))[1] as month_end_outstanding_amount,
        (array_agg(
            is_overdue order by event_date desc, transaction_id desc
        ))[1] as month_end_is_overdue,
        (array_agg(
            load_id order by event_date desc, transaction_id desc
        ))[1] as month_end_load_id,
        (array_agg(
            source_row_number order by event_date desc, transaction_id desc
        ))[1] as month_end_source_row_number
    from events
    {%- if scope_start %}
        where event_date >= date '{{ scope_start }}'
    {%- endif %}
    group by loan_account, cast(date_trunc('month', event_date) as date)
    {%- if scope_start %}
        union all
        select
            loan_account,
            month_start_date,
            0,
            0,
            0,
            0,
            outstanding_amount,
            is_overdue,
            load_id,
            source_row_number
        from carried_in
    {%- endif %}
),

monthly as (
    select
        loan_months.loan_account,
        loan_months.month_start_date,
        flows.disbursed_amount,
        flows.repaid_amount,
        flows.interest_collected_amount,
        flows.written_off_amount,
        flows.month_end_outstanding_amount,
        flows.month_end_is_overdue,
        flows.month_end_load_id,
        flows.month_end_source_row_number,
        count(flows.month_end_outstanding_amount) over (
            partition by loan_months.loan_account
            order by loan_months.month_start_date
        ) as balance_group
    from loan_months
    left join flows
        on
            loan_months.loan_account = flows.loan_account
            and loan_months.month_start_date = flows.month_start_date
),

carried as (
    select
        *,
        max(month_end_outstanding_amount) over balances
            as outstanding_amount,
        bool_or(month_end_is_overdue) over balances as is_overdue,
        max(month_end_load_id) over balances as load_id,
        max(month_end_source_row_number) over balances as source_row_number
    from monthly
    window balances as (partition by loan_account, balance_group)
),

final as (
    select
        {{ surrogate_key(['carried.loan_account', 'carried.month_start_date']) }}
            as loan_month_key,
        loans.loan_key,
        loans.household_key,
        geography.geography_key,
        programs.program_key,
        loans.ward_code,
        loans.program_code,
        loans.entrusting_org_code,
        coalesce(carried.disbursed_amount, 0) as disbursed_amount,
        coalesce(carried.repaid_amount, 0) as repaid_amount,
        coalesce(carried.interest_collected_amount, 0)
            as interest_collected_amount,
        coalesce(carried.written_off_amount, 0) as written_off_amount,
        carried.outstanding_amount,
        'VND' as currency_code,
        cast(to_char(carried.month_start_date, 'YYYYMM') as integer)
            as month_key,
        coalesce(carried.is_overdue, false) as is_overdue,
        carried.month_start_date,
        loans.disbursed_date,
        carried.load_id,
        carried.source_row_number
    from carried
    inner join keyed_loans as loans on carried.loan_account = loans.loan_account
    left join geography
        on
            loans.ward_code = geography.unit_code
            and {{ valid_on('loans.disbursed_date', 'geography') }}
    left join programs
        on
            loans.program_code = programs.program_code
            and programs.program_family = 'vbsp_credit'
            and {{ valid_on('loans.disbursed_date', 'programs') }}
)

select * from final
where {{ loan_month_scope(this) }}
