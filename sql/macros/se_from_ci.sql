-- se_from_ci(lower, upper, z): the standard error of an estimate recovered from its symmetric
-- confidence limits at the level whose normal quantile is z (z95() for published 95 % limits):
--     SE = (U − L) / (2 · z)
-- For a ratio, pass the limits on the log scale: se_from_ci(ln L, ln U, z). NULL when a limit is NULL.
-- Reference: Altman DG & Bland JM (2011), "How to obtain the P value from a confidence interval",
-- BMJ 343:d2090 (and Altman DG et al. (2000), Statistics with Confidence, 2nd ed.).
create or replace macro se_from_ci(lower_, upper_, z_) as (upper_ - lower_) / (2 * z_)
