-- Comparison cohort: eligible people who were not referred, one row per (person, index_date).
with comparison as (
    select * from valid_comparison
),

final as (
    select
        comparison.* exclude (source_line),
        age_band(comparison.age_at_index) as age_band,
        comparison.source_line
    from comparison
)

select * from final
