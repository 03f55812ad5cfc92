-- Shared derivations for the model files. Temporary: they live only in the build connection.
create or replace temp macro age_band(age) as
    case
        when age < 18 then 'under 18'
        when age < 25 then '18-24'
        when age < 35 then '25-34'
        when age < 45 then '35-44'
        when age < 55 then '45-54'
        else '55+'
    end;
