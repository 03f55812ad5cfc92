-- One row per referral. person_id is the keyed pseudonym (HMAC-SHA256), never the raw value.
with referrals as (
    select * from valid_referrals
),

schemes as (
    select scheme_id, force from valid_schemes
),

final as (
    select
        referrals.* exclude (source_line),
        schemes.force,
        age_band(referrals.age_at_referral) as age_band,
        -- calendar quarter of referral_date, e.g. 2023-Q2
        strftime(referrals.referral_date, '%Y') || '-Q' || quarter(referrals.referral_date) as intake_quarter,
        referrals.source_line
    from referrals
    join schemes using (scheme_id)
)

select * from final
