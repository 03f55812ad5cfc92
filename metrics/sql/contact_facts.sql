-- One row per referral that has contacts. All referrals: aggregating first and joining the
-- selection afterwards is faster in DuckDB than semi-joining the contact rows first.
SELECT
    e.referral_id,
    count(*) FILTER (WHERE e.outcome = 'attended') AS attended_contacts,
    -- attendance_rate denominator: cancelled_by_service is not the participant's doing
    count(*) FILTER (WHERE e.outcome IN ('attended', 'did_not_attend', 'cancelled_by_participant'))
        AS attendance_base,
    min(e.contact_date) FILTER (WHERE e.outcome = 'attended') AS first_attended,
    max(e.contact_date) FILTER (WHERE e.outcome = 'attended') AS last_attended
FROM engagements AS e
GROUP BY e.referral_id
