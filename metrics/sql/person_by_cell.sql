-- The reoffending measures' numerators and denominators, per group and cell.
SELECT
    grp,
    cell,
    count(*) AS people,
    count(*) FILTER (WHERE participant) AS participants,
    count(*) FILTER (WHERE eligible) AS eligible,
    count(*) FILTER (WHERE NOT eligible) AS pending,
    count(*) FILTER (WHERE eligible AND reoffences > 0) AS reoffenders,
    coalesce(sum(reoffences) FILTER (WHERE eligible), 0) AS reoffences,
    coalesce(sum(prior_offences) FILTER (WHERE eligible), 0) AS prior_offences,
    count(*) FILTER (WHERE km_event) AS km_events
FROM person_facts
GROUP BY grp, cell
