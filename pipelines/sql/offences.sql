-- One row per recorded offence, of participants, comparison people or neither (yet).
-- outcome_date is NULL unless proven (an unproven offence's outcome date is ignored).
with offences as (
    select * from valid_offences
),

final as (
    select * from offences
)

select * from final
