//! ESS / R-hat / MCSE / τ building blocks and the documented convention differences
//! (specs/conventions.toml): each difference between `posterior` and `arviz` is exercised here.

use mcmc_audit::diagnostics::acf::{autocov_direct, autocov_each, fast_len};
use mcmc_audit::diagnostics::calibration::ar1;
use mcmc_audit::diagnostics::ess::{Prepared, geyer, rhat_matrix, split};
use mcmc_audit::diagnostics::rank::{
    argsort, argsort_with_values, median_sorted, qnorm, z_fold_sorted, z_fold_with, z_scale,
    z_scale_sorted, z_scale_with,
};
use mcmc_audit::diagnostics::tau::{SOKAL_C, batch_means, geweke, sokal_tau};
use mcmc_audit::diagnostics::{Convention, Draws, Undefined};
use mcmc_audit::numeric::tolerance::test::FFT_VS_DIRECT;

fn draws(m: usize, n: usize, f: impl Fn(usize, usize) -> f64) -> Draws {
    let data = (0..m)
        .flat_map(|j| (0..n).map(move |i| (j, i)))
        .map(|(j, i)| f(j, i))
        .collect();
    Draws::new(m, n, data).unwrap()
}

#[test]
fn fft_autocovariance_equals_the_direct_sum() {
    assert_eq!(fast_len(7), 8);
    assert_eq!(fast_len(2 * 37), 75);
    for n in [1usize, 2, 5, 37, 100, 257] {
        let d = ar1(0.7, 2, n, n as u64);
        let fft = autocov_each(&d.data, 2, n);
        for (j, fj) in fft.iter().enumerate() {
            let direct = autocov_direct(d.chain(j));
            for t in 0..n {
                let e = (fj[t] - direct[t]).abs();
                assert!(FFT_VS_DIRECT.accepts(e, 1), "n={n} t={t}: {e:e}");
            }
        }
    }
}

#[test]
fn lazy_direct_lags_equal_the_fft_across_the_switch() {
    use mcmc_audit::diagnostics::acf::{DIRECT_LAGS, LazyAcov};
    let d = ar1(0.95, 3, 5000, 4);
    let fft = autocov_each(&d.data, 3, 5000);
    let mut direct = LazyAcov::new(&d.data, 3, 5000);
    for t in 0..DIRECT_LAGS {
        let mean_fft = fft.iter().map(|v| v[t]).sum::<f64>() / 3.0;
        let e = (direct.mean(t) - mean_fft).abs();
        assert!(FFT_VS_DIRECT.accepts(e, 1), "t={t}: {e:e}");
    }
    // Past the switch the lazy values come from the FFT (of the centred chains).
    let t = 3 * DIRECT_LAGS;
    let e = (direct.chain(1, t) - fft[1][t]).abs();
    assert!(FFT_VS_DIRECT.accepts(e, 1), "{e:e}");
}

#[test]
fn ties_get_average_ranks() {
    let x = [2.0, 1.0, 1.0, 3.0];
    let z = z_scale(&x);
    let denom = 4.0 + 0.25;
    assert_eq!(z[1], z[2]);
    assert_eq!(z[1], qnorm((1.5 - 0.375) / denom));
    assert_eq!(z[0], qnorm((3.0 - 0.375) / denom));
    assert_eq!(z[3], qnorm((4.0 - 0.375) / denom));
    // Folding by merging the sorted sides equals folding then sorting.
    let y: Vec<f64> = (0..101)
        .map(|i| ((i * 37) % 101) as f64 * 0.1 - 3.0)
        .collect();
    let o = argsort(&y);
    let c = 0.35;
    let merged = z_fold_with(&y, &o, c);
    let f: Vec<f64> = y.iter().map(|v| (v - c).abs()).collect();
    assert_eq!(merged, z_scale_with(&f, &argsort(&f)));
    // One sort giving the order and the values: the same order, the values gathered by it, and the
    // same ranks from either, ties (the repeated values of `y`, every value twice) included.
    let t: Vec<f64> = y.iter().chain(&y).copied().collect();
    let (order, sorted) = argsort_with_values(&t);
    assert_eq!(order, argsort(&t));
    assert!(
        order
            .iter()
            .zip(&sorted)
            .all(|(&i, &v)| t[i].to_bits() == v.to_bits())
    );
    assert_eq!(z_scale_sorted(&sorted, &order), z_scale_with(&t, &order));
    assert_eq!(
        z_fold_sorted(&sorted, &order, c),
        z_fold_with(&t, &order, c)
    );
}

#[test]
fn iid_discrete_draws_have_rhat_near_one_with_average_ranks() {
    // Ordinal ranks give R-hat ≈ 1.76 on iid Bernoulli draws (BlackJAX PR #1031); average ranks do not.
    let d = draws(4, 1000, |j, i| {
        ((j * 7919 + i * 104729) % 7 < 3) as u8 as f64
    });
    let r = Prepared::new(&d, Convention::Posterior).rhat().unwrap();
    assert!(r < 1.02, "rhat {r}");
}

#[test]
fn odd_draw_counts_drop_the_middle_draw_when_split() {
    let (s, m2, h) = split(
        &[0.0, 1.0, 2.0, 3.0, 4.0, 10.0, 11.0, 12.0, 13.0, 14.0],
        2,
        5,
    );
    assert_eq!((m2, h), (4, 2));
    assert_eq!(s, vec![0.0, 1.0, 10.0, 11.0, 3.0, 4.0, 13.0, 14.0]);
}

#[test]
fn ess_sd_convention_differs_posterior_abs_arviz_square() {
    let d = ar1(0.6, 4, 500, 3);
    let post = Prepared::new(&d, Convention::Posterior).ess_sd().unwrap();
    let arv = Prepared::new(&d, Convention::Arviz).ess_sd().unwrap();
    let mu = d.data.iter().sum::<f64>() / d.data.len() as f64;
    let abs: Vec<f64> = d.data.iter().map(|v| (v - mu).abs()).collect();
    let (s, m2, h) = split(&abs, 4, 500);
    assert_eq!(post, geyer(&s, m2, h, Convention::Posterior).unwrap().ess);
    assert!((post - arv).abs() / post > 1e-3, "{post} vs {arv}");
}

#[test]
fn rhat_fold_centre_differs_on_odd_draw_counts() {
    // posterior folds around the median of all draws, ArviZ around the median of the split draws.
    let d = draws(2, 5, |j, i| {
        [[0.0, 1.0, 50.0, 2.0, 3.0], [4.0, 5.0, 60.0, 6.0, 7.0]][j][i]
    });
    let (s, m2, h) = split(&d.data, 2, 5);
    let mut all = d.data.clone();
    all.sort_by(f64::total_cmp);
    let mut sp = s.clone();
    sp.sort_by(f64::total_cmp);
    let (med_all, med_split) = (median_sorted(&all), median_sorted(&sp));
    assert_ne!(med_all, med_split);
    let o = argsort(&s);
    let bulk = rhat_matrix(&z_scale_with(&s, &o), m2, h, Convention::Posterior).unwrap();
    let tail_post =
        rhat_matrix(&z_fold_with(&s, &o, med_all), m2, h, Convention::Posterior).unwrap();
    let tail_arv = rhat_matrix(&z_fold_with(&s, &o, med_split), m2, h, Convention::Arviz).unwrap();
    let post = Prepared::new(&d, Convention::Posterior).rhat().unwrap();
    let arv = Prepared::new(&d, Convention::Arviz).rhat().unwrap();
    assert_eq!(post, bulk.max(tail_post));
    assert_eq!(arv, bulk.max(tail_arv));
}

#[test]
fn single_chain_rhat_is_defined_in_posterior_only() {
    let d = ar1(0.3, 1, 200, 9);
    assert!(Prepared::new(&d, Convention::Posterior).rhat().is_ok());
    assert_eq!(
        Prepared::new(&d, Convention::Arviz).rhat(),
        Err(Undefined::SingleChain)
    );
    assert_eq!(
        Prepared::new(&d, Convention::Posterior).rhat_basic(),
        Err(Undefined::SingleChain)
    );
}

#[test]
fn constant_draws_are_undefined_in_posterior_and_ess_s_in_arviz() {
    let d = draws(4, 50, |_, _| 1.5);
    let p = Prepared::new(&d, Convention::Posterior);
    for s in [
        p.ess_bulk(),
        p.ess_tail(),
        p.ess_mean(),
        p.rhat(),
        p.mcse_mean(),
        p.mcse_sd(),
    ] {
        assert_eq!(s, Err(Undefined::Constant));
    }
    let a = Prepared::new(&d, Convention::Arviz);
    assert_eq!(a.ess_bulk(), Ok(200.0));
    assert_eq!(a.mcse_mean(), Ok(0.0));
    assert!(a.rhat().is_err());
    assert_eq!(sokal_tau(&d, SOKAL_C), Err(Undefined::ConstantChain));
}

#[test]
fn tail_ess_of_binary_draws_is_undefined_in_posterior() {
    // 1{x ≤ q95} is constant when the top 5 % are ties at the maximum: posterior returns NA,
    // ArviZ returns S for that quantile (so its tail ESS is the 5 % one).
    let d = draws(4, 400, |j, i| if (i / 3 + j) % 2 == 0 { 1.0 } else { -1.0 });
    let p = Prepared::new(&d, Convention::Posterior);
    assert_eq!(p.ess_quantile(0.95), Err(Undefined::Constant));
    assert_eq!(p.ess_tail(), Err(Undefined::Constant));
    let a = Prepared::new(&d, Convention::Arviz);
    assert_eq!(a.ess_quantile(0.95), Ok(1600.0));
    assert_eq!(a.ess_tail(), a.ess_quantile(0.05));
}

#[test]
fn too_few_draws_and_non_finite_values_are_undefined() {
    let d = draws(4, 3, |j, i| (j * 3 + i) as f64);
    for c in [Convention::Posterior, Convention::Arviz] {
        let p = Prepared::new(&d, c);
        assert_eq!(p.ess_bulk(), Err(Undefined::TooFewDraws));
        assert_eq!(p.rhat(), Err(Undefined::TooFewDraws));
    }
    // posterior's .ess needs 3 draws per split half (n ≥ 6); ArviZ's needs n ≥ 4.
    let d4 = ar1(0.1, 4, 4, 1);
    assert_eq!(
        Prepared::new(&d4, Convention::Posterior).ess_mean(),
        Err(Undefined::TooFewDraws)
    );
    assert!(Prepared::new(&d4, Convention::Arviz).ess_mean().is_ok());
    let mut nan = ar1(0.1, 2, 50, 1);
    nan.data[17] = f64::NAN;
    for c in [Convention::Posterior, Convention::Arviz] {
        let p = Prepared::new(&nan, c);
        assert_eq!(p.ess_bulk(), Err(Undefined::NonFinite));
        assert_eq!(p.mcse_mean(), Err(Undefined::NonFinite));
    }
    assert_eq!(sokal_tau(&nan, SOKAL_C), Err(Undefined::NonFinite));
}

#[test]
fn posterior_short_chain_quirk_adds_rho0_twice() {
    // With ≤ 5 draws per split half the positive-sequence loop never runs (max_t = 0); R's
    // `rho_hat_t[1:0]` then sums ρ̂(0), so τ̂ = 2 and ESS = S/2. ArviZ gives the capped value instead.
    let d = ar1(0.2, 4, 10, 5);
    let (s, m2, h) = split(&d.data, 4, 10);
    let g = geyer(&s, m2, h, Convention::Posterior).unwrap();
    assert_eq!(g.tau, 2.0);
    assert_eq!(g.ess, 20.0);
    let a = geyer(&s, m2, h, Convention::Arviz).unwrap();
    assert_ne!(a.ess, 20.0);
}

#[test]
fn antithetic_chains_hit_the_ess_cap_with_a_warning() {
    let d = ar1(-0.9, 4, 1000, 11);
    let p = Prepared::new(&d, Convention::Posterior);
    let ess = p.ess_mean().unwrap();
    let s = 4000.0f64;
    assert!((ess - s * s.log10()).abs() < 1e-9 * ess, "{ess}");
    assert!(p.warnings.borrow().iter().any(|w| w.contains("capped")));
    // The Sokal window fails on antithetic chains; the report says so.
    let (sum, _) = mcmc_audit::pipeline::trace::summarise("x", &d, &Default::default());
    assert!(
        sum.warnings.iter().any(|w| w.contains("antithetic")),
        "{:?}",
        sum.warnings
    );
    // A positively correlated chain does not.
    let q = ar1(0.5, 4, 1000, 11);
    let p = Prepared::new(&q, Convention::Posterior);
    p.ess_mean().unwrap();
    assert!(p.warnings.borrow().is_empty());
}

#[test]
fn sokal_tau_batch_means_and_geweke_on_ar1() {
    let phi = 0.8;
    let d = ar1(phi, 4, 20_000, 21);
    let truth = (1.0 + phi) / (1.0 - phi);
    let t = sokal_tau(&d, SOKAL_C).unwrap();
    assert!(t.window as f64 >= SOKAL_C * t.tau);
    assert!((t.tau - truth).abs() < 4.0 * t.tau_se, "{t:?} vs {truth}");
    let b = batch_means(&d).unwrap();
    assert!((b.tau - truth).abs() / truth < 0.3, "{b:?}");
    let z = geweke(&d).unwrap();
    assert_eq!(z.len(), 4);
    assert!(z.iter().all(|z| z.abs() < 5.0), "{z:?}");
    // A drifting chain has a large Geweke z.
    let drift = draws(1, 5000, |_, i| {
        i as f64 * 1e-3 + ((i * 7919) % 13) as f64 * 0.01
    });
    assert!(geweke(&drift).unwrap()[0].abs() > 5.0);
}

#[test]
fn bulk_and_rhat_together_equal_the_two_methods() {
    // The report's memory-saving path against the two methods, bit for bit, on continuous draws
    // past the radix threshold, tied draws, an odd draw count, one chain, and constant draws.
    let cases = [
        draws(4, 3_001, |j, i| {
            ((i * 48_271 + j * 7) % 9_973) as f64 / 97.0
        }),
        draws(3, 2_000, |j, i| ((i * 31 + j) % 5) as f64),
        draws(2, 11, |j, i| (i * i + j) as f64),
        draws(1, 5_000, |_, i| ((i * 7_919) % 1_009) as f64),
        draws(4, 100, |_, _| 2.5),
    ];
    let bits = |s: Result<f64, Undefined>| s.map(f64::to_bits);
    for (k, d) in cases.iter().enumerate() {
        for conv in [Convention::Posterior, Convention::Arviz] {
            let mut p = Prepared::new(d, conv);
            let (ess, rhat) = p.ess_bulk_and_rhat();
            let q = Prepared::new(d, conv);
            assert_eq!(bits(ess), bits(q.ess_bulk()), "case {k} {conv:?} ess");
            assert_eq!(bits(rhat), bits(q.rhat()), "case {k} {conv:?} rhat");
            // After the buffers are freed, what is asked next is rebuilt with the same bits.
            p.release();
            assert_eq!(
                bits(p.ess_tail()),
                bits(q.ess_tail()),
                "case {k} {conv:?} tail"
            );
            assert_eq!(
                bits(p.rhat()),
                bits(q.rhat()),
                "case {k} {conv:?} rhat again"
            );
        }
    }
}
