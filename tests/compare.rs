//! `compare SPEC` (issue 12 item 2, docs/cli.md): one model, a `[[kernels]]` list, one table. The
//! rows agree with each kernel's own `audit`, the cost normalization is the identity it claims, the
//! reversible rows obey their closed forms, the output is pinned, bad specs exit 2, and
//! `compare --baseline` gates kernel by kernel.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use mcmc_audit::numeric::tolerance::rel_diff;
use mcmc_audit::numeric::tolerance::test::{LAZY_CLOSED_FORM, TAU_CLOSED_FORM};
use mcmc_audit::pipeline::{self, compare};
use mcmc_audit::spec::AuditSpec;
use serde_json::Value;

mod common;
use common::round_json;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_mcmc-audit"))
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

const EXAMPLE: &str = "examples/compare/sk-kernels.toml";

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("mcmc-audit-compare-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn run(args: &[&str]) -> Output {
    bin().current_dir(root()).args(args).output().unwrap()
}

fn example() -> compare::CompareReport {
    compare::run_spec(&root().join(EXAMPLE), Some(32), None).unwrap()
}

#[test]
fn rows_say_what_each_kernel_is() {
    let r = example();
    assert_eq!(r.kernels.len(), 6);
    let a2: Vec<(&str, &str, f64)> = r
        .kernels
        .iter()
        .map(|k| (k.name.as_str(), k.a2.as_str(), k.site_updates_per_step))
        .collect();
    assert_eq!(
        a2,
        [
            ("random scan", "pass", 1.0),
            ("systematic sweep", "fail", 8.0),
            ("symmetrized sweep", "pass", 8.0),
            ("lazy sweep", "fail", 4.0),
            ("2-block sweep", "fail", 8.0),
            ("random metropolis", "pass", 1.0),
        ]
    );
    assert_eq!(r.observables.len(), 28);
    for k in &r.kernels {
        // Every kernel gets the mixing measures; the spectral gap only where P is self-adjoint.
        assert!(k.pseudo_gap.is_some() && k.t_mix.is_some(), "{}", k.name);
        assert_eq!(k.spectral_gap.is_some(), k.a2 == "pass", "{}", k.name);
        assert_eq!(k.tau.len(), 28, "{}", k.name);
        // The cost normalization is exactly the identity the columns claim.
        let c = k.site_updates_per_step;
        for t in k.tau.values() {
            assert_eq!(t.per_site_update, t.per_step * c);
            assert_eq!(t.per_sweep, t.per_step * c / 8.0);
        }
        assert_eq!(k.t_mix_site_updates, k.t_mix.map(|t| t as f64 * c));
        let slowest = k.slowest.as_ref().unwrap();
        assert!(
            k.tau
                .values()
                .all(|t| t.per_step <= k.tau[slowest].per_step)
        );
    }
}

#[test]
fn a_row_is_the_kernels_own_audit() {
    // The systematic sweep's row against `audit` of the same model and [kernel], bit for bit.
    let d = scratch("own");
    let spec = d.join("sweep.toml");
    std::fs::write(
        &spec,
        "[model]\nfamily = \"sk\"\nn = 8\nbeta = 1.0\nseed = 3\n[kernel]\nscan = \"systematic\"\n[mixing]\n",
    )
    .unwrap();
    let audit = pipeline::run_spec(&spec, Some(32)).unwrap();
    let r = example();
    let row = r.kernel("systematic sweep").unwrap();
    assert_eq!(row.report.quantities["tau"], audit.quantities["tau"]);
    assert_eq!(
        row.report.quantities["pseudo_gap"],
        audit.quantities["pseudo_gap"]
    );
    assert_eq!(
        row.report.quantities["mixing_time"],
        audit.quantities["mixing_time"]
    );
    assert_eq!(
        row.report.subject.kernel_fingerprint,
        audit.subject.kernel_fingerprint
    );
    assert_eq!(r.model_fingerprint, audit.subject.model_fingerprint);
}

#[test]
fn reversible_and_lazy_rows_obey_their_closed_forms() {
    let r = example();
    // Reversible P: γ(PP*) = 1 − |λ|²_max over the non-unit spectrum, maximized at k = 1.
    for name in ["random scan", "symmetrized sweep", "random metropolis"] {
        let k = r.kernel(name).unwrap();
        let s = 1.0 - k.absolute_gap.unwrap();
        assert!(
            TAU_CLOSED_FORM.accepts(rel_diff(k.pseudo_gap.unwrap(), 1.0 - s * s), 0),
            "{name}"
        );
        assert_eq!(k.pseudo_gap_k, Some(1), "{name}");
    }
    // ½(I + P) of the sweep: τ' = 2τ + 1 per step, at half the cost.
    let (sweep, lazy) = (
        r.kernel("systematic sweep").unwrap(),
        r.kernel("lazy sweep").unwrap(),
    );
    assert_eq!(
        lazy.site_updates_per_step * 2.0,
        sweep.site_updates_per_step
    );
    for (o, t) in &sweep.tau {
        let lazy_t = lazy.tau[o].per_step;
        assert!(
            LAZY_CLOSED_FORM.accepts(rel_diff(lazy_t, 2.0 * t.per_step + 1.0), 0),
            "{o}"
        );
    }
}

#[test]
fn output_is_pinned() {
    let out = run(&["compare", EXAMPLE]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let text = String::from_utf8(out.stdout).unwrap();
    let text = text.replacen(env!("CARGO_PKG_VERSION"), "[version]", 1);
    insta::assert_snapshot!("compare_sk_kernels_text", text);

    let out = run(&["compare", EXAMPLE, "--format", "json"]);
    assert_eq!(out.status.code(), Some(0));
    let mut v: Value = serde_json::from_slice(&out.stdout).unwrap();
    // The rows as the table shows them; each kernel's whole audit is pinned by `audit`'s snapshots.
    for k in v["kernels"].as_array_mut().unwrap() {
        let report = k.as_object_mut().unwrap().remove("report").unwrap();
        assert_eq!(report["schema_version"], 2);
        assert!(report["verdicts"].is_array());
    }
    round_json(&mut v, false);
    insta::assert_json_snapshot!("compare_sk_kernels_json", v);
}

fn write(d: &Path, name: &str, text: &str) -> PathBuf {
    let p = d.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn refused(out: &Output, parts: &[&str]) {
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    for p in parts {
        assert!(err.contains(p), "{p}: {err}");
    }
    assert!(out.stdout.is_empty());
}

const MODEL: &str = "[model]\nfamily = \"sk\"\nn = 5\nbeta = 1.0\nseed = 1\n";

#[test]
fn bad_compare_specs_exit_2_naming_the_field() {
    let d = scratch("bad");
    let s = |name: &str, body: &str| write(&d, name, &format!("{MODEL}{body}"));
    let p = |p: &PathBuf| p.to_str().unwrap().to_string();
    let none = s("none.toml", "[kernel]\nscan = \"random\"\n");
    refused(
        &run(&["compare", &p(&none)]),
        &["none.toml", "field `kernels`", "[[kernels]]"],
    );
    let listed = s("listed.toml", "[[kernels]]\nscan = \"random\"\n");
    refused(
        &run(&["audit", &p(&listed)]),
        &["field `kernels`", "compare"],
    );
    let both = s(
        "both.toml",
        "[kernel]\nscan = \"random\"\n[[kernels]]\nscan = \"random\"\n",
    );
    refused(
        &run(&["compare", &p(&both)]),
        &["field `kernel`", "not both"],
    );
    let dup = s(
        "dup.toml",
        "[[kernels]]\nname = \"a\"\n[[kernels]]\nname = \"a\"\nscan = \"systematic\"\n",
    );
    refused(
        &run(&["compare", &p(&dup)]),
        &["field `kernels[1].name`", "two kernels"],
    );
    let same = s(
        "same.toml",
        "[[kernels]]\nscan = \"random\"\n[[kernels]]\nscan = \"random\"\n",
    );
    refused(
        &run(&["compare", &p(&same)]),
        &["field `kernels[1]`", "distinct"],
    );
    let blocks = s(
        "blocks.toml",
        "[[kernels]]\nscan = \"random\"\n[[kernels]]\nblocks = [[0, 1], [1, 2, 3, 4]]\n",
    );
    refused(
        &run(&["compare", &p(&blocks)]),
        &["field `kernels[1].blocks[1]`", "twice"],
    );
    // The exact enumeration's work model (issue 14 item 1) holds per kernel: a 13-site joint block
    // is refused at its own entry (the 5-spin MODEL is replaced by a 13-spin one here).
    let joint = write(
        &d,
        "joint.toml",
        "[model]\nfamily = \"sk\"\nn = 13\n[[kernels]]\nscan = \"random\"\n[[kernels]]\nblocks = [[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]]\n",
    );
    refused(
        &run(&["compare", &p(&joint)]),
        &["field `kernels[1].blocks`", "long_run"],
    );
    let unknown = s("unknown.toml", "[[kernels]]\nscans = \"random\"\n");
    refused(&run(&["compare", &p(&unknown)]), &["unknown.toml", "scans"]);
    let many = s("many.toml", &"[[kernels]]\n".repeat(17));
    refused(
        &run(&["compare", &p(&many)]),
        &["field `kernels`", "17 kernels"],
    );
    let sampled = s(
        "sampled.toml",
        "[[kernels]]\nscan = \"random\"\n[sampling]\nchains = 2\nsweeps = 100\n",
    );
    refused(
        &run(&["compare", &p(&sampled)]),
        &["field `kernels`", "[sampling]"],
    );
    refused(
        &run(&["compare", EXAMPLE, "--eigenvalues", "some"]),
        &["--eigenvalues"],
    );
    refused(&run(&["compare", "missing.toml"]), &["missing.toml"]);
}

#[test]
fn compare_baseline_gates_kernel_by_kernel() {
    let d = scratch("baseline");
    let p = |p: &PathBuf| p.to_str().unwrap().to_string();
    let two = |lazy: bool| {
        format!(
            "{MODEL}[[kernels]]\nname = \"random\"\n[[kernels]]\nname = \"sweep\"\nscan = \"systematic\"\nlazy = {lazy}\n"
        )
    };
    let spec = write(&d, "two.toml", &two(false));
    let base = d.join("base.json");
    let out = run(&["compare", &p(&spec), "--format", "json", "--out", &p(&base)]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");

    let out = run(&[
        "compare",
        &p(&spec),
        "--baseline",
        &p(&base),
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["baseline"]["regressions"], 0);
    assert_eq!(v["baseline"]["kernels"].as_array().unwrap().len(), 2);

    // The sweep made lazy under the same name: its τ and gaps regress, the random scan's do not.
    let slower = write(&d, "slower.toml", &two(true));
    let out = run(&[
        "compare",
        &p(&slower),
        "--baseline",
        &p(&base),
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let ks = v["baseline"]["kernels"].as_array().unwrap();
    assert_eq!(ks[0]["name"], "random");
    assert_eq!(ks[0]["regressions"], 0);
    assert_eq!(ks[1]["name"], "sweep");
    assert!(ks[1]["regressions"].as_u64().unwrap() > 0);
    let text =
        String::from_utf8(run(&["compare", &p(&slower), "--baseline", &p(&base)]).stdout).unwrap();
    assert!(text.contains("[sweep]"), "{text}");
    assert!(text.contains("REGRESSED  tau[x0x1]"), "{text}");

    // A kernel dropped from the list is a regression; a new one is listed, not judged.
    let renamed = write(
        &d,
        "renamed.toml",
        &format!(
            "{MODEL}[[kernels]]\nname = \"random\"\n[[kernels]]\nname = \"new sweep\"\nscan = \"systematic\"\n"
        ),
    );
    let out = run(&[
        "compare",
        &p(&renamed),
        "--baseline",
        &p(&base),
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["baseline"]["missing"][0], "sweep");
    assert_eq!(v["baseline"]["added"][0], "new sweep");

    // Another model, or an audit report, is refused.
    let other = write(
        &d,
        "other.toml",
        &two(false).replace("seed = 1", "seed = 2"),
    );
    refused(
        &run(&["compare", &p(&other), "--baseline", &p(&base)]),
        &["base.json", "field `model_fingerprint`", "another model"],
    );
    let audit_spec = write(
        &d,
        "audit.toml",
        &format!("{MODEL}[kernel]\nscan = \"random\"\n"),
    );
    let audit_json = d.join("audit.json");
    run(&[
        "audit",
        &p(&audit_spec),
        "--format",
        "json",
        "--out",
        &p(&audit_json),
    ]);
    refused(
        &run(&["compare", &p(&spec), "--baseline", &p(&audit_json)]),
        &["audit.json", "field `kernels`", "not a compare report"],
    );
    refused(
        &run(&["audit", &p(&audit_spec), "--baseline", &p(&base)]),
        &["base.json", "field `subject`", "compare report"],
    );
}

#[test]
fn the_library_and_the_cli_agree() {
    let spec = AuditSpec::load(&root().join(EXAMPLE)).unwrap();
    let lib = compare::run(&spec, Some(32)).unwrap();
    let out = run(&["compare", EXAMPLE, "--format", "json"]);
    let cli: Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut lib = serde_json::to_value(&lib).unwrap();
    lib["spec"] = cli["spec"].clone();
    for (a, b) in lib["kernels"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .zip(cli["kernels"].as_array().unwrap())
    {
        a["report"]["spec"] = b["report"]["spec"].clone();
    }
    assert_eq!(lib, cli);
}
