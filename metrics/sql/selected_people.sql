-- One row per person (per cell), indexed on their earliest selected referral; sex, age band
-- and need come from that index referral (ties on the date: the lowest referral_id).
-- participant = has at least one engaged selected referral (the comparison's treated group).
SELECT
    'selected' AS grp,
    r.cell,
    r.person_id,
    min(r.referral_date) AS index_date,
    bool_or(r.engaged) AS participant,
    arg_min(r.sex, (r.referral_date, r.referral_id)) AS sex,
    arg_min(r.age_band, (r.referral_date, r.referral_id)) AS age_band,
    arg_min(r.primary_need, (r.referral_date, r.referral_id)) AS primary_need
FROM referral_facts AS r
GROUP BY r.cell, r.person_id
