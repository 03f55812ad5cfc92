-- One row per referral and calendar month with contacts: the month's contacts by outcome, so
-- month-by-month views read ~1M rows rather than the 5M contacts. month = its first day.
with contacts as (
    select * from engagements
),

final as (
    select
        referral_id,
        date_trunc('month', contact_date)::date as month,
        count(*) filter (where outcome = 'attended') as contacts_attended,
        count(*) filter (where outcome = 'did_not_attend') as contacts_did_not_attend,
        count(*) filter (where outcome = 'cancelled_by_participant') as contacts_cancelled_by_participant,
        count(*) filter (where outcome = 'cancelled_by_service') as contacts_cancelled_by_service
    from contacts
    group by referral_id, month
)

select * from final
