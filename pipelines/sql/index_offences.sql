-- One row per (person, date) a measure can index a person on: the date of each of their
-- referrals and each comparison index_date. Counts that person's proven offences around it
-- (metrics.md "Reoffending"), once at ingest, so no measure scans the 1.5M offences per call.
-- Counts are 0 (and first_event_date NULL) for a date with no such offence.
with index_dates as (
    select person_id, referral_date as index_date from referrals
    union
    select person_id, index_date from comparison
),

final as (
    select
        i.person_id,
        i.index_date,
        -- proven reoffence: committed in [index + 1, index + 365], proven by index + 365 + 182
        count(*) filter (where o.offence_date between i.index_date + 1 and i.index_date + 365
                           and o.outcome_date <= i.index_date + 547) as reoffences,
        -- prior: proven offences committed in [index - 365, index - 1], whenever proven
        count(*) filter (where o.offence_date between i.index_date - 365 and i.index_date - 1)
            as prior_offences,
        -- time_to_reoffence event: first such offence already proven by min(index + 547, as_of)
        min(o.offence_date) filter (where o.offence_date between i.index_date + 1 and i.index_date + 365
                                      and o.outcome_date <= least(i.index_date + 547, $as_of::date))
            as first_event_date
    from index_dates as i
    left join offences as o
      on o.person_id = i.person_id
     and o.proven  -- every measure counts proven offences only
     and o.offence_date between i.index_date - 365 and i.index_date + 365
    group by i.person_id, i.index_date
)

select * from final
