//! Conformance of `trace --convention arviz` with ArviZ 0.23 and emcee 3.1 on the committed vectors
//! (tests/data/trace, written by scripts/peers/make_trace_vectors.py with the peer versions recorded).

use std::path::Path;

use mcmc_audit::diagnostics::ess::Prepared;
use mcmc_audit::diagnostics::tau::{SOKAL_C, sokal_tau};
use mcmc_audit::diagnostics::{Convention, Stat};
use mcmc_audit::io::trace::read_trace;
use mcmc_audit::numeric::tolerance::{rel_diff, test::PEER_CONFORMANCE};
use serde_json::Value;

fn data() -> (Vec<mcmc_audit::io::trace::Variable>, Value) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/trace");
    let vars = read_trace(&dir.join("inputs.npz")).expect("inputs.npz");
    let text = std::fs::read_to_string(dir.join("expected_arviz.json")).expect("expected json");
    (vars, serde_json::from_str(&text).expect("json"))
}

/// Compares one value; returns the relative error (0 when both are undefined).
fn cmp(name: &str, field: &str, ours: Stat, theirs: &Value, bad: &mut Vec<String>) -> f64 {
    match (ours, theirs.as_f64()) {
        (Ok(a), Some(b)) => {
            let e = rel_diff(a, b);
            if !PEER_CONFORMANCE.accepts(e, 1) {
                bad.push(format!("{name}.{field}: ours {a:e}, peer {b:e}, rel {e:e}"));
            }
            e
        }
        (Err(_), None) => 0.0,
        (o, t) => {
            bad.push(format!("{name}.{field}: ours {o:?}, peer {t:?}"));
            f64::INFINITY
        }
    }
}

#[test]
fn arviz_convention_matches_arviz_and_emcee() {
    let (vars, exp) = data();
    let sets = exp["datasets"].as_object().expect("datasets");
    assert!(sets.len() >= 30, "at least 30 data sets");
    assert_eq!(vars.len(), sets.len());
    let mut bad = Vec::new();
    let mut worst = 0.0f64;
    let mut compared = 0usize;
    for v in &vars {
        let e = &sets[&v.name];
        let shape: Vec<usize> = e["shape"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_u64().unwrap() as usize)
            .collect();
        assert_eq!(shape, vec![v.draws.chains, v.draws.draws], "{}", v.name);
        let p = Prepared::new(&v.draws, Convention::Arviz);
        let fields: Vec<(&str, Stat)> = vec![
            ("ess_bulk", p.ess_bulk()),
            ("ess_tail", p.ess_tail()),
            ("ess_mean", p.ess_mean()),
            ("ess_sd", p.ess_sd()),
            ("ess_median", p.ess_quantile(0.5)),
            ("ess_q5", p.ess_quantile(0.05)),
            ("ess_q95", p.ess_quantile(0.95)),
            ("rhat", p.rhat()),
            ("rhat_split", p.rhat_split()),
            ("rhat_basic", p.rhat_basic()),
            ("mcse_mean", p.mcse_mean()),
            ("mcse_sd", p.mcse_sd()),
            ("mcse_median", p.mcse_quantile(0.5)),
            ("mcse_q5", p.mcse_quantile(0.05)),
            ("mcse_q95", p.mcse_quantile(0.95)),
        ];
        for (f, s) in fields {
            let r = cmp(&v.name, f, s, &e[f], &mut bad);
            worst = worst.max(r);
            compared += 1;
        }
        let t = sokal_tau(&v.draws, SOKAL_C);
        worst = worst.max(cmp(&v.name, "tau", t.map(|t| t.tau), &e["tau"], &mut bad));
        let w = t.map(|t| t.window as f64);
        worst = worst.max(cmp(&v.name, "tau_window", w, &e["tau_window"], &mut bad));
        compared += 2;
    }
    eprintln!("compared {compared} values, max relative error {worst:e}");
    assert!(
        bad.is_empty(),
        "{} mismatches:\n{}",
        bad.len(),
        bad.join("\n")
    );
}
