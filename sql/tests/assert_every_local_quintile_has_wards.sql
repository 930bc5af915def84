-- Each of the borough's local deprivation quintiles (1 … 5) must contain at least one
-- ward with population; a gap between quintiles is meaningless otherwise.
select q.quintile
from range(1, 6) as q(quintile)
left join intermediate.int_ward_deprivation as ward
    on ward.local_quintile = q.quintile and ward.in_borough and ward.population > 0
group by q.quintile
having count(ward.ward_code) = 0
