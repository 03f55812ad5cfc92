-- Time to first proven reoffence, as a frequency table per group and cell.
-- key_sum: the people's record keys summed, for the cell-key perturbed curve (metrics/cellkey.py)
SELECT grp, cell, participant, km_time, km_event, count(*) AS people, sum(record_key) AS key_sum
FROM person_facts
GROUP BY ALL
