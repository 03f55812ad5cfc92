-- Referrals inside the access scope (force, district) that pass the filter.
-- metrics.md "Selection": rows are filtered first; "earliest" later means among these.
-- record_key: the person's cell-key record key (metrics/cellkey.py).
SELECT r.*, k.record_key
FROM referrals AS r
JOIN record_keys AS k ON k.person_id = r.person_id
WHERE ($scope_forces::VARCHAR[] IS NULL OR list_contains($scope_forces::VARCHAR[], r.force))
  AND ($scope_districts::VARCHAR[] IS NULL OR list_contains($scope_districts::VARCHAR[], r.district))
  AND (len($schemes::VARCHAR[]) = 0 OR list_contains($schemes::VARCHAR[], r.scheme_id))
  AND (len($districts::VARCHAR[]) = 0 OR list_contains($districts::VARCHAR[], r.district))
  AND ($date_from::DATE IS NULL OR r.referral_date >= $date_from::DATE)
  AND ($date_to::DATE IS NULL OR r.referral_date <= $date_to::DATE)
  AND (len($pathways::VARCHAR[]) = 0 OR list_contains($pathways::VARCHAR[], r.pathway))
  AND (len($sexes::VARCHAR[]) = 0 OR list_contains($sexes::VARCHAR[], r.sex))
  AND (len($age_bands::VARCHAR[]) = 0 OR list_contains($age_bands::VARCHAR[], r.age_band))
  AND (len($needs::VARCHAR[]) = 0 OR list_contains($needs::VARCHAR[], r.primary_need))
