-- Selected comparison people: by district (scope and filter), index_date within the dates,
-- sex, age band and need; scheme and pathway filters do not apply. Indexed on the earliest
-- index_date that passed; attributes, and the offences around it, from that row
-- (person_id, index_date is the key; offences from pipelines/sql/index_offences.sql).
SELECT
    'comparison' AS grp,
    'all' AS cell,
    person_id,
    index_date,
    false AS participant,
    (SELECT k.record_key::INTEGER FROM record_keys AS k WHERE k.person_id = index.person_id) AS record_key,
    index_row.sex,
    index_row.age_band,
    index_row.primary_need,
    index_row.reoffences,
    index_row.prior_offences,
    index_row.first_event_date
FROM (
    SELECT
        c.person_id,
        min(c.index_date) AS index_date,
        arg_min({'sex': c.sex, 'age_band': c.age_band, 'primary_need': c.primary_need,
                 'reoffences': o.reoffences, 'prior_offences': o.prior_offences,
                 'first_event_date': o.first_event_date}, c.index_date) AS index_row
    FROM comparison AS c
    JOIN index_offences AS o ON o.person_id = c.person_id AND o.index_date = c.index_date
    WHERE ($comparison_districts::VARCHAR[] IS NULL
           OR list_contains($comparison_districts::VARCHAR[], c.district))
      AND (len($districts::VARCHAR[]) = 0 OR list_contains($districts::VARCHAR[], c.district))
      AND ($date_from::DATE IS NULL OR c.index_date >= $date_from::DATE)
      AND ($date_to::DATE IS NULL OR c.index_date <= $date_to::DATE)
      AND (len($sexes::VARCHAR[]) = 0 OR list_contains($sexes::VARCHAR[], c.sex))
      AND (len($age_bands::VARCHAR[]) = 0 OR list_contains($age_bands::VARCHAR[], c.age_band))
      AND (len($needs::VARCHAR[]) = 0 OR list_contains($needs::VARCHAR[], c.primary_need))
    GROUP BY c.person_id
) AS index
