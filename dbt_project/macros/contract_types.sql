{#- The contract's column types in SQL: raw text to its type, null where it is not one (never an
    error, so one bad row cannot abort a model). The same rules as the loader's, defined in
    src/mtqg_warehouse/contracts/types.py; tests/integration/contracts/test_types_agree.py proves
    on thousands of generated and hostile values that a value the loader takes types to the same
    value here, and that one it refuses is null here. Change both together.
    Shapes use [0-9], never \d, so Unicode digits are refused by both engines alike. -#}

{#- Each type's shape, as text: the same regular expressions as contracts/types.py. -#}
{% macro contract_shape(type_name) -%}
    {%- if type_name == 'date' -%}
        ^[0-9]{1,2}/[0-9]{1,2}/[0-9]{4}$
    {%- elif type_name == 'number' -%}
        ^-?([0-9]{1,3}(\.[0-9]{3}){1,5}|[0-9]{1,18})(,[0-9]{1,18})?$
    {%- elif type_name == 'integer' -%}
        ^([0-9]{1,3}(\.[0-9]{3}){1,5}|[0-9]{1,18})$
    {%- elif type_name == 'cccd' -%}
        ^[0-9]{12}$
    {%- elif type_name == 'bhyt_card' -%}
        ^([A-Z]{2}[1-5][0-9]{12}|[0-9]{10})$
    {%- elif type_name == 'ambiguous_amount' -%}
        ^[1-9][0-9]{0,2},[0-9]{3}$
    {%- else -%}
        {{ exceptions.raise_compiler_error('no contract shape for type ' ~ type_name) }}
    {%- endif -%}
{%- endmacro %}

{#- dd/mm/yyyy (also d/m/yyyy) to a date; null when malformed, impossible (31/04, 29/02 of a
    non-leap year) or outside the contract's years. Nested cases keep every cast behind the
    shape test: PostgreSQL does not promise to evaluate the operands of `and` in order. -#}
{% macro vn_date(column) -%}
    {%- set day = "split_part(" ~ column ~ ", '/', 1)::int" -%}
    {%- set month = "split_part(" ~ column ~ ", '/', 2)::int" -%}
    {%- set year = "split_part(" ~ column ~ ", '/', 3)::int" -%}
    {%- set years = (1900, 2100) -%}
    case when {{ column }} ~ '{{ contract_shape('date') }}' then
        case when {{ year }} between {{ years[0] }} and {{ years[1] }}
                and {{ month }} between 1 and 12
                and {{ day }} between 1 and (
                    case
                        when {{ month }} = 2 then
                            case when ({{ year }} % 4 = 0 and {{ year }} % 100 <> 0) or {{ year }} % 400 = 0
                                then 29 else 28 end
                        when {{ month }} in (4, 6, 9, 11) then 30
                        else 31
                    end
                )
            then make_date({{ year }}, {{ month }}, {{ day }})
        end
    end
{%- endmacro %}

{#- Vietnamese numbers: '.' groups thousands, ',' marks decimals ('1.234.567', '1.234,5');
    the English locale ('1,234,567.5') is null. -#}
{% macro vn_number(column) -%}
    case when {{ column }} ~ '{{ contract_shape('number') }}'
        then replace(replace({{ column }}, '.', ''), ',', '.')::numeric
    end
{%- endmacro %}

{#- An amount in VND: a number never written negative ('-0' too), never as an English
    thousand (425,000), and at most max_value. -#}
{% macro vn_amount(column, max_value=100000000000) -%}
    case when {{ column }} !~ '^-' and {{ column }} !~ '{{ contract_shape('ambiguous_amount') }}' then
        case when {{ vn_number(column) }} <= {{ max_value }} then {{ vn_number(column) }} end
    end
{%- endmacro %}

{% macro vn_integer(column) -%}
    case when {{ column }} ~ '{{ contract_shape('integer') }}'
        then replace({{ column }}, '.', '')::bigint
    end
{%- endmacro %}

{% macro vn_flag(column) -%}
    case {{ column }} when '1' then true when '0' then false end
{%- endmacro %}

{#- Identifiers with a fixed shape (cccd, bhyt_card): the value itself, or null. -#}
{% macro shaped_code(column, type_name) -%}
    case when {{ column }} ~ '{{ contract_shape(type_name) }}' then {{ column }} end
{%- endmacro %}

{#- A code the column takes from a seed column, accepted_from '<seed>.<column>' as in the
    contract; `unit_code` is 'units.code'. Seeds may type their codes, so both sides are text. -#}
{% macro listed_code(column, accepted_from) -%}
    {%- set seed, seed_column = accepted_from.split('.', 1) -%}
    case when {{ column }} in (
        select {{ adapter.quote(seed_column) }}::text from {{ ref(seed) }}
    ) then {{ column }} end
{%- endmacro %}

{#- A ward or commune code (contract type unit_code): a unit of the units seed that sends
    returns, never a district or province (contracts/reference.py WARD_TYPES). -#}
{% macro ward_code(column) -%}
    case when {{ column }} in (
        select code::text from {{ ref('units') }} where type in ('phuong', 'xa')
    ) then {{ column }} end
{%- endmacro %}
