-- z95(): the two-sided 95 % standard normal quantile, z = Φ⁻¹(0.975) = qnorm(0.975) in R,
-- scipy.stats.norm.ppf(0.975) = 1.959963984540054 (never 1.96; methods.md §0). The one place
-- this constant is written; pipeline.methods.confidence.z_value(0.95) gives the same number.
-- Written as a literal, so a caller computes exactly as if the number were written in its place.
create or replace macro z95() as 1.959963984540054
