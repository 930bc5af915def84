-- For every ward vintage, each of the borough's local deprivation quintiles (1 … 5) must contain at
-- least one ward with population; a gap between quintiles is meaningless otherwise.
select v.ward_vintage, q.quintile
from config.ward_vintage as v
cross join range(1, 6) as q(quintile)
left join intermediate.int_ward_deprivation as ward
    on ward.ward_vintage = v.ward_vintage and ward.local_quintile = q.quintile and ward.in_borough
    and ward.population > 0
group by v.ward_vintage, q.quintile
having count(ward.ward_code) = 0
