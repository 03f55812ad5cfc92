-- One row per person (per cell): eligibility, offence counts, survival time.
-- Materialised as a temp table per call; the aggregates below read it.
SELECT
    p.grp,
    p.cell,
    p.participant,
    p.record_key,
    p.sex,
    p.age_band,
    p.primary_need,
    p.index_date + 547 <= $as_of::DATE AS eligible,  -- follow-up year + six-month wait over
    p.reoffences,
    p.prior_offences,
    CASE
        WHEN p.prior_offences = 0 THEN '0'
        WHEN p.prior_offences = 1 THEN '1'
        WHEN p.prior_offences <= 4 THEN '2-4'
        ELSE '5+'
    END AS prior_band,
    p.first_event_date IS NOT NULL AS km_event,
    -- days to the event, else censored at min(365, as_of - index)
    coalesce(p.first_event_date - p.index_date, least(365, $as_of::DATE - p.index_date)) AS km_time
FROM people AS p
