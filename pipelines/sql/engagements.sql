-- One row per contact or appointment of a referral.
with engagements as (
    select * from valid_engagements
),

final as (
    select * from engagements
)

select * from final
