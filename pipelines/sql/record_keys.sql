-- One fixed record key per person (0-255), for the cell-key perturbation of every count shown
-- outside the analyst role (metrics/cellkey.py). Keyed on the pseudonym with a secret that
-- the ingest derives from the pseudonymisation key, so the same person keeps the same key
-- across ingests, and nobody without that key can work a person's key out.
with people as (
    select person_id from referrals
    union
    select person_id from comparison
)

select
    person_id,
    (('0x' || left(sha256($record_key_secret || person_id), 4))::integer % 256)::utinyint as record_key
from people
