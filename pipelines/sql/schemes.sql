-- One row per scheme. district NULL = force-wide; planned_duration_weeks NULL = open-ended;
-- target_contacts_per_month NULL = no contact target.
with schemes as (
    select * from valid_schemes
),

final as (
    select * from schemes
)

select * from final
