-- Comparison cohort: eligible people who were not referred, one row per (person, index_date).
with comparison as (
    select * from valid_comparison
),

final as (
    select
        comparison.*,
        age_band(comparison.age_at_index) as age_band
    from comparison
)

select * from final order by person_id, index_date
