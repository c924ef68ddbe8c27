//! `E.mixing`: between-chain agreement by rank-normalised split R-hat. The teeth are chains that each
//! look resolved on their own (per-chain τ doubling-stable) but sit in different modes.

use std::process::Command;

use mcmc_audit::checks::{Status, Tolerances};

mod common;
use common::verdict_status;
use mcmc_audit::checks::sampled::check_mixing;
use mcmc_audit::diagnostics::calibration::ar1;
use mcmc_audit::diagnostics::mixing::mixing_rhat;
use mcmc_audit::diagnostics::{Convention, Draws};

/// AR(1) chains (φ = 0.5, unit variance) shifted by `offset(chain)`.
fn shifted(chains: usize, n: usize, seed: u64, offset: impl Fn(usize) -> f64) -> Draws {
    let base = ar1(0.5, chains, n, seed);
    let data = (0..chains)
        .flat_map(|j| base.data[j * n..(j + 1) * n].iter().copied())
        .enumerate()
        .map(|(k, x)| x + offset(k / n))
        .collect();
    Draws::new(chains, n, data).unwrap()
}

fn verdict(vars: &[(&str, &Draws)]) -> mcmc_audit::checks::Verdict {
    let rhats: Vec<_> = vars
        .iter()
        .map(|(name, d)| (name.to_string(), mixing_rhat(d, Convention::Posterior)))
        .collect();
    let chains = vars.iter().map(|(_, d)| d.chains).min().unwrap_or(0);
    check_mixing(&rhats, chains, &Tolerances::default())
}

//= test:E.mixing
#[test]
fn mixed_chains_pass_and_chains_in_different_modes_fail() {
    let mixed = shifted(4, 2000, 11, |_| 0.0);
    assert_eq!(verdict(&[("x", &mixed)]).status, Status::Pass);
    // Two chains near −3, two near +3: each chain is a well-behaved AR(1) on its own.
    let modes = shifted(4, 2000, 11, |j| if j < 2 { -3.0 } else { 3.0 });
    let v = verdict(&[("x", &mixed), ("y", &modes)]);
    assert_eq!(v.status, Status::Fail, "{v:?}");
    assert_eq!(v.detail["variable"], "y");
}

/// One chain cannot test between-chain mixing (issue 15 item 5): inconclusive with the reason, even
/// when the split R-hat of its halves is fine; the halves' value stays in the detail.
//= test:E.mixing
#[test]
fn a_single_chain_is_inconclusive_not_a_pass() {
    let one = shifted(1, 4000, 11, |_| 0.0);
    let v = verdict(&[("x", &one)]);
    assert_eq!(v.status, Status::Inconclusive, "{v:?}");
    assert!(v.measured.is_none());
    assert!(
        v.detail["reason"]
            .as_str()
            .unwrap()
            .contains("one chain cannot test")
    );
    assert!((v.detail["split_rhat_of_halves"].as_f64().unwrap() - 1.0).abs() < 0.05);
    // The same draws as two chains pass.
    let two = Draws::new(2, 2000, one.data.clone()).unwrap();
    assert_eq!(verdict(&[("x", &two)]).status, Status::Pass);
}

//= test:E.mixing
#[test]
fn frozen_chains_at_different_values_fail_and_all_constant_is_inconclusive() {
    let frozen = Draws::new(
        2,
        50,
        (0..100).map(|k| if k < 50 { -1.0 } else { 1.0 }).collect(),
    )
    .unwrap();
    let v = verdict(&[("m", &frozen)]);
    assert_eq!(v.status, Status::Fail, "{v:?}");
    assert!(v.detail["reason"].as_str().unwrap().contains("never met"));
    let constant = Draws::new(2, 50, vec![1.0; 100]).unwrap();
    let v = verdict(&[("c", &constant)]);
    assert_eq!(v.status, Status::Inconclusive, "{v:?}");
    assert_eq!(v.detail["undefined"].as_array().unwrap().len(), 1);
}

//= test:E.mixing
#[test]
fn trace_fails_chains_whose_own_tau_is_resolved_but_which_never_met() {
    let n = 4000;
    let d = shifted(4, n, 5, |j| if j % 2 == 0 { -3.0 } else { 3.0 });
    let mut csv = String::from("chain,x\n");
    for j in 0..4 {
        for i in 0..n {
            csv += &format!("{},{}\n", j + 1, d.data[j * n + i]);
        }
    }
    let dir = std::env::temp_dir().join(format!("mcmc-audit-mixing-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let f = dir.join("modes.csv");
    std::fs::write(&f, csv).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_mcmc-audit"))
        .args(["trace", f.to_str().unwrap(), "--format", "json"])
        .output()
        .unwrap();
    std::fs::remove_dir_all(&dir).ok();
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let status = |id: &str| verdict_status(&r, id);
    // The programme's per-chain rules are satisfied ...
    assert_eq!(status("E.doubling"), "pass", "{r}");
    assert_eq!(status("A6.sampled"), "pass", "{r}");
    // ... and only the between-chain check sees that the chains never met.
    assert_eq!(status("E.mixing"), "fail", "{r}");
    assert_eq!(out.status.code(), Some(1));
}
