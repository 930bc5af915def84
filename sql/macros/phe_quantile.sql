-- phe_quantile(rank, n, nq): the quantile (1 = the rank-1 end) of an item ranked `rank` of `n`, split
-- into `nq` quantiles, as PHEindicatormethods::phe_quantile assigns it (OHID Fingertips technical
-- guidance, assigning deprivation categories; methods.md §7):
--     q = floor((nq + 1) − ceil(((n + 1) − rank) / (n / nq))),  q = 0 → 1;  no quantile when n < nq.
-- Evaluated in floating point in that order, as the package does.
create or replace macro phe_quantile(rank_, n_, nq_) as
    case when n_ >= nq_ then
        greatest(1, cast(floor((nq_ + 1) - ceil(((n_ + 1) - rank_) / (n_ / nq_))) as integer))
    end
