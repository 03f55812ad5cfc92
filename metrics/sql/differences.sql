-- Each eligible selected person's (reoffences - prior offences), as a frequency table.
SELECT cell, reoffences - prior_offences AS difference, count(*) AS people
FROM person_facts
WHERE grp = 'selected' AND eligible
GROUP BY ALL
