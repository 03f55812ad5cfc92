-- Districts a force-only scope may see comparison people in: those of its forces'
-- referrals and schemes.
SELECT district FROM referrals WHERE list_contains($scope_forces::VARCHAR[], force)
UNION
SELECT district FROM schemes
WHERE list_contains($scope_forces::VARCHAR[], force) AND district IS NOT NULL
ORDER BY district
