-- Time to first proven reoffence, as a frequency table per group and cell.
SELECT grp, cell, participant, km_time, km_event, count(*) AS people
FROM person_facts
GROUP BY ALL
