-- Cost metrics per scheme: each selected scheme's funding prorated by day onto the date range,
-- and the referrals / completed exits it is divided by, as if that scheme were the only one
-- selected (no scheme filter = every scheme). Only the scheme and date filters apply. The cost
-- of several schemes together is the sum of their rows (metrics/cost.py). A scheme outside the
-- scope's forces has no row.
WITH cost_schemes AS (
    SELECT
        s.scheme_id,
        -- A district-restricted scope sees a scheme's cost only when every referral to it in
        -- the range is in its districts (else the denominator would count other districts').
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
        f.scheme_id,
        f.amount_gbp,
        f.financial_year_start AS year_start,
        -- a funding row covers 1 April to the day before the next 1 April
        (f.financial_year_start + INTERVAL 1 YEAR)::DATE - 1 AS year_end
    FROM funding AS f
    JOIN cost_schemes AS cs ON cs.scheme_id = f.scheme_id AND cs.visible
),

funding_in_range AS (
    SELECT
        scheme_id,
        amount_gbp,
        year_end - year_start + 1 AS days_in_year,  -- 365 or 366
        least(year_end, coalesce($date_to::DATE, year_end))
            - greatest(year_start, coalesce($date_from::DATE, year_start)) + 1 AS days_in_range
    FROM funding_years
),

funded AS (
    SELECT scheme_id, count(*) AS funding_rows, sum(amount_gbp * days_in_range / days_in_year) AS prorated_funding_gbp
    FROM funding_in_range
    WHERE days_in_range > 0
    GROUP BY scheme_id
),

range_referrals AS (
    SELECT r.scheme_id, r.referral_id, k.record_key::INTEGER AS record_key
    FROM referrals AS r
    JOIN cost_schemes AS cs ON cs.scheme_id = r.scheme_id AND cs.visible
    JOIN record_keys AS k ON k.person_id = r.person_id
    WHERE ($date_from::DATE IS NULL OR r.referral_date >= $date_from::DATE)
      AND ($date_to::DATE IS NULL OR r.referral_date <= $date_to::DATE)
),

counted AS (
    SELECT
        rr.scheme_id,
        count(*) AS referrals,
        count(*) FILTER (WHERE x.exit_reason = 'completed') AS completions,
        -- cell keys (metrics/cellkey.py): summed over schemes by metrics/cost.py
        sum(rr.record_key) AS referrals__key,
        coalesce(sum(rr.record_key) FILTER (WHERE x.exit_reason = 'completed'), 0) AS completions__key
    FROM range_referrals AS rr
    LEFT JOIN exits AS x ON x.referral_id = rr.referral_id
    GROUP BY rr.scheme_id
),

final AS (
    SELECT
        cs.scheme_id,
        coalesce(funded.funding_rows, 0) AS funding_rows,
        funded.prorated_funding_gbp,
        coalesce(counted.referrals, 0) AS referrals,
        coalesce(counted.completions, 0) AS completions,
        coalesce(counted.referrals__key, 0) AS referrals__key,
        coalesce(counted.completions__key, 0) AS completions__key,
        CASE WHEN cs.visible THEN 0 ELSE 1 END AS schemes_outside_scope
    FROM cost_schemes AS cs
    LEFT JOIN funded USING (scheme_id)
    LEFT JOIN counted USING (scheme_id)
)

SELECT * FROM final
