-- The support and progress measures' numerators and denominators, per cell.
SELECT
    cell,
    count(*) AS referrals,
    count(*) FILTER (WHERE engaged) AS engaged,
    median(days_to_first_contact::DOUBLE) FILTER (WHERE engaged) AS median_days_to_first_contact,
    coalesce(sum(attended_contacts), 0) AS attended_contacts,
    coalesce(sum(attendance_base), 0) AS attendance_base,
    median(contacts_per_month) FILTER (WHERE engaged) AS median_contacts_per_month,
    count(*) FILTER (WHERE engaged AND target_contacts_per_month IS NOT NULL) AS target_base,
    count(*) FILTER (WHERE engaged AND contacts_per_month >= target_contacts_per_month) AS target_met,
    count(*) FILTER (WHERE engaged AND onward_referrals > 0) AS engaged_referred_on,
    coalesce(sum(onward_referrals) FILTER (WHERE engaged), 0) AS onward_of_engaged,
    coalesce(sum(onward_accepted), 0) AS onward_accepted,
    coalesce(sum(onward_decided), 0) AS onward_decided,
    coalesce(sum(places_taken), 0) AS places_taken,
    coalesce(sum(funded_places), 0) AS funded_places,
    count(*) FILTER (WHERE exit_reason = 'completed') AS completed,
    -- neutral exits (transferred, moved_away, deceased) and open referrals are left out
    count(*) FILTER (WHERE exit_reason IN ('completed', 'disengaged', 'non_compliance', 'custody', 'other'))
        AS completion_base,
    count(*) FILTER (WHERE retention_due) AS retention_base,
    count(*) FILTER (WHERE retention_due AND retained) AS retained,
    count(*) FILTER (WHERE engaged AND stepped_down) AS stepped_down,
    count(*) FILTER (WHERE engaged AND escalated) AS escalated,
    count(*) FILTER (WHERE NOT exited) AS open_referrals
FROM referral_facts
GROUP BY cell
