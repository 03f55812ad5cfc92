-- One row per person (per cell): eligibility, offence counts, survival time.
-- Materialised as a temp table per call; the aggregates below read it.
SELECT
    p.grp,
    p.cell,
    p.participant,
    p.sex,
    p.age_band,
    p.primary_need,
    p.index_date + 547 <= $as_of::DATE AS eligible,  -- follow-up year + six-month wait over
    coalesce(f.reoffences, 0) AS reoffences,
    coalesce(f.prior_offences, 0) AS prior_offences,
    CASE
        WHEN coalesce(f.prior_offences, 0) = 0 THEN '0'
        WHEN f.prior_offences = 1 THEN '1'
        WHEN f.prior_offences <= 4 THEN '2-4'
        ELSE '5+'
    END AS prior_band,
    f.first_event_date IS NOT NULL AS km_event,
    -- days to the event, else censored at min(365, as_of - index)
    coalesce(f.first_event_date - p.index_date, least(365, $as_of::DATE - p.index_date)) AS km_time
FROM people AS p
LEFT JOIN person_offences AS f
  ON f.grp = p.grp AND f.cell = p.cell AND f.person_id = p.person_id
