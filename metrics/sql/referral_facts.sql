-- One row per selected referral: everything the support measures need, and what
-- selected_people.sql needs to index each person. Materialised as a temp table per call.
SELECT
    {cell} AS cell,
    r.referral_id,
    r.person_id,
    r.referral_date,
    r.sex,
    r.age_band,
    r.primary_need,
    coalesce(c.attended_contacts, 0) AS attended_contacts,
    coalesce(c.attendance_base, 0) AS attendance_base,
    c.first_attended IS NOT NULL AS engaged,
    c.first_attended - r.referral_date AS days_to_first_contact,  -- days
    x.referral_id IS NOT NULL AS exited,
    x.exit_reason,
    -- attended contacts per month active; months active = max(1, active days / 30.4375),
    -- active days = (exit date, or as_of while open) - first attended contact + 1
    c.attended_contacts / greatest(
        1.0, (coalesce(x.exit_date, $as_of::DATE) - c.first_attended + 1) / 30.4375
    ) AS contacts_per_month,
    s.target_contacts_per_month,
    -- planned end = first attended contact + 7 x planned weeks; due once it is on/before as_of
    c.first_attended IS NOT NULL
        AND s.planned_duration_weeks IS NOT NULL
        AND c.first_attended + 7 * s.planned_duration_weeks <= $as_of::DATE AS retention_due,
    coalesce(c.last_attended > c.first_attended + 7 * s.planned_duration_weeks, false) AS retained,
    coalesce(o.onward_referrals, 0) AS onward_referrals,
    coalesce(o.onward_accepted, 0) AS onward_accepted,
    coalesce(o.onward_decided, 0) AS onward_decided,
    coalesce(o.funded_places, 0) AS funded_places,
    coalesce(o.places_taken, 0) AS places_taken,
    coalesce(v.stepped_down, false) AS stepped_down,
    coalesce(v.escalated, false) AS escalated
FROM selected_referrals AS r
JOIN schemes AS s ON s.scheme_id = r.scheme_id
LEFT JOIN contact_facts AS c ON c.referral_id = r.referral_id
LEFT JOIN exits AS x ON x.referral_id = r.referral_id
LEFT JOIN onward_facts AS o ON o.referral_id = r.referral_id
LEFT JOIN review_facts AS v ON v.referral_id = r.referral_id
