-- Offence counts per person (per cell), around their index date. Offences are reached only
-- through the selected people.
SELECT
    p.grp,
    p.cell,
    p.person_id,
    -- proven reoffence: committed in [index + 1, index + 365], proven by index + 365 + 182
    count(*) FILTER (WHERE o.offence_date BETWEEN p.index_date + 1 AND p.index_date + 365
                       AND o.outcome_date <= p.index_date + 547) AS reoffences,
    -- prior: proven offences committed in [index - 365, index - 1], whenever proven
    count(*) FILTER (WHERE o.offence_date BETWEEN p.index_date - 365 AND p.index_date - 1)
        AS prior_offences,
    -- time_to_reoffence event: first such offence already proven by min(index + 547, as_of)
    min(o.offence_date) FILTER (WHERE o.offence_date BETWEEN p.index_date + 1 AND p.index_date + 365
                                  AND o.outcome_date <= least(p.index_date + 547, $as_of::DATE))
        AS first_event_date
FROM people AS p
JOIN offences AS o
  ON o.person_id = p.person_id
 AND o.proven  -- every measure counts proven offences only
 AND o.offence_date BETWEEN p.index_date - 365 AND p.index_date + 365
GROUP BY p.grp, p.cell, p.person_id
