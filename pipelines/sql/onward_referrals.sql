-- One row per referral on to another agency or a funded place. place_taken_up NULL = not known.
with onward_referrals as (
    select * from valid_onward_referrals
),

final as (
    select * from onward_referrals
)

select * from final
