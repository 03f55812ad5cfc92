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
    -- only the exits counted in completion (metrics.catalogue.COMPLETION_EXITS): neutral exits
    -- and open referrals are left out
    count(*) FILTER (WHERE list_contains($completion_exits::VARCHAR[], exit_reason)) AS completion_base,
    count(*) FILTER (WHERE retention_due) AS retention_base,
    count(*) FILTER (WHERE retention_due AND retained) AS retained,
    count(*) FILTER (WHERE engaged AND stepped_down) AS stepped_down,
    count(*) FILTER (WHERE engaged AND escalated) AS escalated,
    count(*) FILTER (WHERE NOT exited) AS open_referrals,
    -- each count's cell key: the sum of its records' record keys, mod 256 (metrics/cellkey.py)
    coalesce(sum(record_key), 0) % 256 AS referrals__key,
    coalesce(sum(record_key) FILTER (WHERE engaged), 0) % 256 AS engaged__key,
    coalesce(sum(attended_contacts * record_key), 0) % 256 AS attended_contacts__key,
    coalesce(sum(attendance_base * record_key), 0) % 256 AS attendance_base__key,
    coalesce(sum(record_key) FILTER (WHERE engaged AND target_contacts_per_month IS NOT NULL), 0) % 256 AS target_base__key,
    coalesce(sum(record_key) FILTER (WHERE engaged AND contacts_per_month >= target_contacts_per_month), 0) % 256 AS target_met__key,
    coalesce(sum(record_key) FILTER (WHERE engaged AND onward_referrals > 0), 0) % 256 AS engaged_referred_on__key,
    coalesce(sum(onward_referrals * record_key) FILTER (WHERE engaged), 0) % 256 AS onward_of_engaged__key,
    coalesce(sum(onward_accepted * record_key), 0) % 256 AS onward_accepted__key,
    coalesce(sum(onward_decided * record_key), 0) % 256 AS onward_decided__key,
    coalesce(sum(places_taken * record_key), 0) % 256 AS places_taken__key,
    coalesce(sum(funded_places * record_key), 0) % 256 AS funded_places__key,
    coalesce(sum(record_key) FILTER (WHERE exit_reason = 'completed'), 0) % 256 AS completed__key,
    coalesce(sum(record_key) FILTER (WHERE retention_due), 0) % 256 AS retention_base__key,
    coalesce(sum(record_key) FILTER (WHERE retention_due AND retained), 0) % 256 AS retained__key,
    coalesce(sum(record_key) FILTER (WHERE engaged AND stepped_down), 0) % 256 AS stepped_down__key,
    coalesce(sum(record_key) FILTER (WHERE engaged AND escalated), 0) % 256 AS escalated__key,
    coalesce(sum(record_key) FILTER (WHERE NOT exited), 0) % 256 AS open_referrals__key,
    coalesce(sum(record_key) FILTER (WHERE list_contains($completion_exits::VARCHAR[], exit_reason)), 0) % 256
        AS completion_base__key
FROM referral_facts
GROUP BY cell
