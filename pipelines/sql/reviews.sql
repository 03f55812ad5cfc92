-- One row per periodic case review.
with reviews as (
    select * from valid_reviews
),

final as (
    select * from reviews
)

select * from final
