-- One row per referral that was referred on.
SELECT
    o.referral_id,
    count(*) AS onward_referrals,
    count(*) FILTER (WHERE o.outcome = 'accepted') AS onward_accepted,
    count(*) FILTER (WHERE o.outcome IN ('accepted', 'declined')) AS onward_decided,
    count(*) FILTER (WHERE o.funded_place) AS funded_places,
    count(*) FILTER (WHERE o.funded_place AND o.place_taken_up) AS places_taken
FROM onward_referrals AS o
GROUP BY o.referral_id
