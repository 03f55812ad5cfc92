-- One row per selected referral: everything the support measures need, and what
-- selected_people.sql needs to index each person. Materialised as a temp table per call.
-- Contacts, onward referrals, reviews and offences come summed per referral (the
-- warehouse's referral_activity table), so no call scans the contact or offence rows.
SELECT
    {cell} AS cell,
    r.referral_id,
    r.person_id,
    r.record_key::INTEGER AS record_key,
    r.referral_date,
    r.sex,
    r.age_band,
    r.primary_need,
    a.contacts_attended AS attended_contacts,
    -- attendance_rate denominator: cancelled_by_service is not the participant's doing
    a.contacts_attended + a.contacts_did_not_attend + a.contacts_cancelled_by_participant AS attendance_base,
    a.first_attended_date IS NOT NULL AS engaged,
    a.first_attended_date - r.referral_date AS days_to_first_contact,  -- days
    x.referral_id IS NOT NULL AS exited,
    x.exit_reason,
    -- attended contacts per month active; months active = max(1, active days / 30.4375),
    -- active days = (exit date, or as_of while open) - first attended contact + 1
    a.contacts_attended / greatest(
        1.0, (coalesce(x.exit_date, $as_of::DATE) - a.first_attended_date + 1) / 30.4375
    ) AS contacts_per_month,
    s.target_contacts_per_month,
    -- planned end = first attended contact + 7 x planned weeks; due once it is on/before as_of
    a.first_attended_date IS NOT NULL
        AND s.planned_duration_weeks IS NOT NULL
        AND a.first_attended_date + 7 * s.planned_duration_weeks <= $as_of::DATE AS retention_due,
    coalesce(a.last_attended_date > a.first_attended_date + 7 * s.planned_duration_weeks, false) AS retained,
    a.onward_referrals,
    a.onward_accepted,
    a.onward_accepted + a.onward_declined AS onward_decided,
    a.funded_places,
    a.funded_places_taken_up AS places_taken,
    a.any_step_down AS stepped_down,
    a.any_escalate AS escalated,
    -- the person's proven offences around this referral's date (pipelines/sql/index_offences.sql)
    a.reoffences,
    a.prior_offences,
    a.first_event_date
FROM selected_referrals AS r
JOIN schemes AS s ON s.scheme_id = r.scheme_id
JOIN referral_activity AS a ON a.referral_id = r.referral_id
LEFT JOIN exits AS x ON x.referral_id = r.referral_id
