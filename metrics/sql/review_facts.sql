-- One row per referral that was reviewed.
SELECT
    v.referral_id,
    bool_or(v.decision = 'step_down') AS stepped_down,
    bool_or(v.decision = 'escalate') AS escalated
FROM reviews AS v
GROUP BY v.referral_id
