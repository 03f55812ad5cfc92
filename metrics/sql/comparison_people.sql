-- Selected comparison people: by district (scope and filter), index_date within the dates,
-- sex, age band and need; scheme and pathway filters do not apply. Indexed on the earliest
-- index_date that passed; attributes from that row (person_id, index_date is the key).
SELECT
    'comparison' AS grp,
    'all' AS cell,
    c.person_id,
    min(c.index_date) AS index_date,
    false AS participant,
    arg_min(c.sex, c.index_date) AS sex,
    arg_min(c.age_band, c.index_date) AS age_band,
    arg_min(c.primary_need, c.index_date) AS primary_need
FROM comparison AS c
WHERE ($comparison_districts::VARCHAR[] IS NULL
       OR list_contains($comparison_districts::VARCHAR[], c.district))
  AND (len($districts::VARCHAR[]) = 0 OR list_contains($districts::VARCHAR[], c.district))
  AND ($date_from::DATE IS NULL OR c.index_date >= $date_from::DATE)
  AND ($date_to::DATE IS NULL OR c.index_date <= $date_to::DATE)
  AND (len($sexes::VARCHAR[]) = 0 OR list_contains($sexes::VARCHAR[], c.sex))
  AND (len($age_bands::VARCHAR[]) = 0 OR list_contains($age_bands::VARCHAR[], c.age_band))
  AND (len($needs::VARCHAR[]) = 0 OR list_contains($needs::VARCHAR[], c.primary_need))
GROUP BY c.person_id
