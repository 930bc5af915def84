-- group_mean_standard_error(population, lower_ci, upper_ci): aggregate; the standard error of a
-- population-weighted mean of independent ward values, from each ward's published 95 % limits:
--     SE_w = (U_w − L_w) / (2 · 1.959963984540054),    SE(m) = √(Σ P_w² · SE_w²) / Σ P_w
-- NULL when any ward of the group lacks limits (its SE is unknown, and leaving it out would make the
-- group's interval too narrow). Kirkwood & Sterne (2003), variance of a linear combination.
create or replace macro group_mean_standard_error(population_, lower_, upper_) as
    case when count(lower_) = count(*) and count(upper_) = count(*) then
        sqrt(fsum(population_ ^ 2 * se_from_ci(lower_, upper_, z95()) ^ 2)) / fsum(population_)
    end
