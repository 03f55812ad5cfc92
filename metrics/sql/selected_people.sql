-- One row per person (per cell), indexed on their earliest selected referral; sex, age band,
-- need and the offences around the index date come from that index referral (ties on the
-- date: the lowest referral_id).
-- participant = has at least one engaged selected referral (the comparison's treated group).
SELECT
    'selected' AS grp,
    cell,
    person_id,
    index_date,
    participant,
    record_key,
    index_referral.sex,
    index_referral.age_band,
    index_referral.primary_need,
    index_referral.reoffences,
    index_referral.prior_offences,
    index_referral.first_event_date
FROM (
    SELECT
        r.cell,
        r.person_id,
        min(r.referral_date) AS index_date,
        bool_or(r.engaged) AS participant,
        any_value(r.record_key) AS record_key,  -- the person's, on each of their referrals
        -- one arg_min of a struct: much cheaper than one per attribute
        arg_min({'sex': r.sex, 'age_band': r.age_band, 'primary_need': r.primary_need,
                 'reoffences': r.reoffences, 'prior_offences': r.prior_offences,
                 'first_event_date': r.first_event_date},
                (r.referral_date, r.referral_id)) AS index_referral
    FROM referral_facts AS r
    GROUP BY r.cell, r.person_id
)
