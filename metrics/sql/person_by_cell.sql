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
    count(*) FILTER (WHERE km_event) AS km_events,
    -- each count's cell key: the sum of its people's record keys, mod 256 (metrics/cellkey.py)
    sum(record_key) % 256 AS people__key,
    coalesce(sum(record_key) FILTER (WHERE participant), 0) % 256 AS participants__key,
    coalesce(sum(record_key) FILTER (WHERE eligible), 0) % 256 AS eligible__key,
    coalesce(sum(record_key) FILTER (WHERE NOT eligible), 0) % 256 AS pending__key,
    coalesce(sum(record_key) FILTER (WHERE eligible AND reoffences > 0), 0) % 256 AS reoffenders__key,
    coalesce(sum(reoffences * record_key) FILTER (WHERE eligible), 0) % 256 AS reoffences__key,
    coalesce(sum(prior_offences * record_key) FILTER (WHERE eligible), 0) % 256 AS prior_offences__key,
    coalesce(sum(record_key) FILTER (WHERE km_event), 0) % 256 AS km_events__key
FROM person_facts
GROUP BY grp, cell
