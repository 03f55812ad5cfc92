-- One row per scheme and financial year (financial_year_start is 1 April; the year runs to
-- 31 March). amount_gbp in pounds.
with funding as (
    select * from valid_funding
),

final as (
    select * from funding
)

select * from final
