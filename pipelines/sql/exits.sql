-- At most one row per referral; a referral without one is open at as_of.
with exits as (
    select * from valid_exits
),

final as (
    select * from exits
)

select * from final
