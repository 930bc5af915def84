-- Every LSOA that the ward lookup places in the borough must have a deprivation score: otherwise a
-- ward's score would rest on part of its population. Offending rows: the unmatched LSOAs (usually a
-- lookup of another LSOA vintage than the deprivation files: 2021 LSOAs against IoD2019's 2011 ones).
select lookup.lsoa_code, lookup.lsoa_vintage, lookup.ward_code, lookup.ward_vintage, lookup._file, lookup._line
from staging.stg_ons__lsoa_ward as lookup
left join staging.stg_deprivation__lsoa as imd on imd.lsoa_code = lookup.lsoa_code
where lookup.la_code = getvariable('local_authority_code')
  and (imd.lsoa_code is null or imd.imd_score is null or imd.population is null)
