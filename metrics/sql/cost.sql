-- Cost metrics: funding of the selected schemes prorated by day onto the date range, and the
-- referrals / completed exits it is divided by. Only the scheme and date filters apply.
WITH cost_schemes AS (
    SELECT
        s.scheme_id,
        -- A district-restricted scope only sees the cost of its own districts' schemes, and
        -- only when every referral to them in the range is in its districts (else the
        -- denominator would count other districts' referrals).
        $scope_districts::VARCHAR[] IS NULL OR (
            coalesce(list_contains($scope_districts::VARCHAR[], s.district), false)
            AND NOT EXISTS (
                SELECT 1 FROM referrals AS r
                WHERE r.scheme_id = s.scheme_id
                  AND ($date_from::DATE IS NULL OR r.referral_date >= $date_from::DATE)
                  AND ($date_to::DATE IS NULL OR r.referral_date <= $date_to::DATE)
                  AND NOT list_contains($scope_districts::VARCHAR[], r.district)
            )
        ) AS visible
    FROM schemes AS s
    WHERE (len($schemes::VARCHAR[]) = 0 OR list_contains($schemes::VARCHAR[], s.scheme_id))
      AND ($scope_forces::VARCHAR[] IS NULL OR list_contains($scope_forces::VARCHAR[], s.force))
),

funding_years AS (
    SELECT
        f.amount_gbp,
        f.financial_year_start AS year_start,
        -- a funding row covers 1 April to the day before the next 1 April
        (f.financial_year_start + INTERVAL 1 YEAR)::DATE - 1 AS year_end
    FROM funding AS f
    JOIN cost_schemes AS cs ON cs.scheme_id = f.scheme_id AND cs.visible
),

funding_in_range AS (
    SELECT
        amount_gbp,
        year_end - year_start + 1 AS days_in_year,  -- 365 or 366
        least(year_end, coalesce($date_to::DATE, year_end))
            - greatest(year_start, coalesce($date_from::DATE, year_start)) + 1 AS days_in_range
    FROM funding_years
),

range_referrals AS (
    SELECT r.referral_id
    FROM referrals AS r
    JOIN cost_schemes AS cs ON cs.scheme_id = r.scheme_id AND cs.visible
    WHERE ($date_from::DATE IS NULL OR r.referral_date >= $date_from::DATE)
      AND ($date_to::DATE IS NULL OR r.referral_date <= $date_to::DATE)
),

final AS (
    SELECT
        (SELECT count(*) FROM funding_in_range WHERE days_in_range > 0) AS funding_rows,
        (SELECT sum(amount_gbp * days_in_range / days_in_year)
           FROM funding_in_range WHERE days_in_range > 0) AS prorated_funding_gbp,
        (SELECT count(*) FROM range_referrals) AS referrals,
        (SELECT count(*) FROM exits AS x
          WHERE x.exit_reason = 'completed'
            AND x.referral_id IN (SELECT referral_id FROM range_referrals)) AS completions,
        (SELECT count(*) FROM cost_schemes WHERE NOT visible) AS schemes_outside_scope
)

SELECT * FROM final
