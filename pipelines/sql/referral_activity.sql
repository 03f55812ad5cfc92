-- One row per referral: its contacts, onward referrals and reviews summed up, so the measures
-- read 250k rows rather than scanning 5M contacts on every call, and its person's offences
-- around the referral date (index_offences.sql), which are the person's when this referral
-- is their index. Built from the model tables after they are published; counts are 0 (and
-- dates NULL) where a referral has none.
with contacts as (
    select
        referral_id,
        count(*) filter (where outcome = 'attended') as contacts_attended,
        count(*) filter (where outcome = 'did_not_attend') as contacts_did_not_attend,
        count(*) filter (where outcome = 'cancelled_by_participant') as contacts_cancelled_by_participant,
        count(*) filter (where outcome = 'cancelled_by_service') as contacts_cancelled_by_service,
        min(contact_date) filter (where outcome = 'attended') as first_attended_date,
        max(contact_date) filter (where outcome = 'attended') as last_attended_date
    from engagements
    group by referral_id
),

onward as (
    select
        referral_id,
        count(*) as onward_referrals,
        count(*) filter (where outcome = 'accepted') as onward_accepted,
        count(*) filter (where outcome = 'declined') as onward_declined,
        count(*) filter (where funded_place) as funded_places,
        count(*) filter (where funded_place and place_taken_up) as funded_places_taken_up
    from onward_referrals
    group by referral_id
),

decisions as (
    select
        referral_id,
        bool_or(decision = 'step_down') as any_step_down,  -- a review decided to step down
        bool_or(decision = 'escalate') as any_escalate
    from reviews
    group by referral_id
),

final as (
    select
        referrals.referral_id,
        coalesce(contacts.contacts_attended, 0) as contacts_attended,
        coalesce(contacts.contacts_did_not_attend, 0) as contacts_did_not_attend,
        coalesce(contacts.contacts_cancelled_by_participant, 0) as contacts_cancelled_by_participant,
        coalesce(contacts.contacts_cancelled_by_service, 0) as contacts_cancelled_by_service,
        contacts.first_attended_date,
        contacts.last_attended_date,
        coalesce(onward.onward_referrals, 0) as onward_referrals,
        coalesce(onward.onward_accepted, 0) as onward_accepted,
        coalesce(onward.onward_declined, 0) as onward_declined,
        coalesce(onward.funded_places, 0) as funded_places,
        coalesce(onward.funded_places_taken_up, 0) as funded_places_taken_up,
        coalesce(decisions.any_step_down, false) as any_step_down,
        coalesce(decisions.any_escalate, false) as any_escalate,
        coalesce(index_offences.reoffences, 0) as reoffences,
        coalesce(index_offences.prior_offences, 0) as prior_offences,
        index_offences.first_event_date
    from referrals
    left join contacts using (referral_id)
    left join onward using (referral_id)
    left join decisions using (referral_id)
    left join index_offences
      on index_offences.person_id = referrals.person_id
     and index_offences.index_date = referrals.referral_date
)

select * from final
