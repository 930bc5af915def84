-- Every ward named in a target area (fsot.toml [[target_areas]]) must be a ward of the borough in
-- the loaded lookup: a misspelt code or a ward of another boundary vintage would silently shrink the area.
select area.target_area, area.ward_code
from config.target_area_ward as area
left join intermediate.int_ward_deprivation as ward
    on ward.ward_vintage = area.ward_vintage and ward.ward_code = area.ward_code and ward.in_borough
where ward.ward_code is null
