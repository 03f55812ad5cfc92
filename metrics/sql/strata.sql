-- Eligible participants and comparison people per matching stratum
-- (sex x age band x primary need x prior-offence band).
SELECT
    sex, age_band, primary_need, prior_band,
    count(*) FILTER (WHERE grp = 'selected' AND participant) AS participants,
    count(*) FILTER (WHERE grp = 'selected' AND participant AND reoffences > 0) AS participant_reoffenders,
    count(*) FILTER (WHERE grp = 'comparison') AS comparison_people,
    count(*) FILTER (WHERE grp = 'comparison' AND reoffences > 0) AS comparison_reoffenders,
    -- cell keys, summed over strata by metrics/cellkey.py (not reduced mod 256 here)
    coalesce(sum(record_key) FILTER (WHERE grp = 'selected' AND participant), 0) AS participants__key,
    coalesce(sum(record_key) FILTER (WHERE grp = 'selected' AND participant AND reoffences > 0), 0)
        AS participant_reoffenders__key
FROM person_facts
WHERE eligible
GROUP BY ALL
ORDER BY ALL  -- a fixed order: the same selection always sums its strata in the same order
