{#- One row per loan event the policy bank reported in a current daily file. Borrowers'
    names and citizen ID numbers are left behind here: the household code links a loan to
    the household. The bank's identifiers compare byte by byte (collation "C"): they are
    codes, not words, and fct_loan_month sorts every event by them each build, a third
    faster than by a language's rules and the same on every server. -#}
with

loaded_rows as (
    {{ rows_of_loads(source('raw_bank', 'loan_events')) }}
),

typed as (
    select
        transaction_id collate "C" as transaction_id,
        loan_account collate "C" as loan_account,
        household_code,
        ward_code,
        program_code,
        entrusting_org_code,
        group_code as savings_group_code,
        event_code,
        _load_id as load_id,
        _source_file as source_file,
        _row_number as source_row_number,
        {{ vn_amount('amount') }} as event_amount,
        {{ vn_amount('outstanding_amount') }} as outstanding_amount,
        {{ vn_flag('is_overdue') }} as is_overdue,
        {{ vn_date('event_date') }} as event_date
    from loaded_rows
)

select * from typed
