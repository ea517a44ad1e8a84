{#- A keyed hash of an official code: stable across builds, useless without the key.

    The key is read where it lies, in keys.pseudonym_key (readable by the build role only;
    see docs/operations/pseudonym-key.md), so it never appears in compiled SQL, dbt artifacts
    or logs. Each scalar subquery runs once per statement, not once per row.

    sha256(key || sha256(key || value)) rather than HMAC because the embedded PostgreSQL has
    no pgcrypto (no hmac()), and built-ins have no bytea xor for HMAC's pads. The nesting is
    what matters: plain sha256(key || value) is open to length extension, while the outer
    keyed hash of a fixed-length inner digest is not (the "envelope" construction); the key
    comes first and has a fixed value, so key and value cannot be confused. -#}
{% macro pseudonymize(column) -%}
    encode(
        sha256(
            (select pk.key from keys.pseudonym_key as pk)
            || sha256((select pk.key from keys.pseudonym_key as pk) || convert_to({{ column }}, 'UTF8'))
        ),
        'hex'
    )
{%- endmacro %}
