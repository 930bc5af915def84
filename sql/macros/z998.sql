-- z998(): the two-sided 99.8 % standard normal quantile, z = Φ⁻¹(0.999) = qnorm(0.999) in R,
-- scipy.stats.norm.ppf(0.999) = 3.090232306167813 (methods.md §0; Fingertips' second benchmark
-- level). The one place this constant is written; pipeline.methods.confidence.z_value(0.998) agrees.
-- Written as a literal, so a caller computes exactly as if the number were written in its place.
create or replace macro z998() as 3.090232306167813
