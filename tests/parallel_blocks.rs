//! Parallel block updates (issue 11, "a defect this issue must close"): thrml draws every site of a
//! block at once from its conditional given the old state. `update = "parallel-gibbs"` is that kernel;
//! on a block without internal couplings it is exactly the block heat bath (the same operator, bit for
//! bit), on a coupled block `K.parallel-blocks` fails and the audit shows the invariance it breaks.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

mod common;
use common::verdict_status;

fn audit(dir: &Path, name: &str, update: &str, blocks: &str) -> Value {
    let p: PathBuf = dir.join(name);
    std::fs::write(
        &p,
        format!(
            "[model]\nfamily = \"ising\"\nn = 3\nbeta = 0.8\ncouplings = [[0, 1, 1.0], [1, 2, 1.0]]\n\n\
             [kernel]\nupdate = \"{update}\"\nscan = \"systematic\"\nblocks = {blocks}\n"
        ),
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_mcmc-audit"))
        .arg("audit")
        .arg(&p)
        .args(["--format", "json"])
        .output()
        .unwrap();
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)))
}

fn verdict<'a>(r: &'a Value, id: &str) -> &'a Value {
    r["verdicts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["id"] == id)
        .unwrap()
}

fn scratch() -> PathBuf {
    let d = std::env::temp_dir().join(format!("mcmc-audit-parallel-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

//= test:K.parallel-blocks
#[test]
fn a_coupled_block_drawn_in_parallel_fails_and_breaks_invariance() {
    let d = scratch();
    let r = audit(&d, "coupled.toml", "parallel-gibbs", "[[0, 1], [2]]");
    assert_eq!(verdict_status(&r, "K.parallel-blocks"), "fail");
    let v = verdict(&r, "K.parallel-blocks");
    assert_eq!(v["measured"], 1.0);
    assert_eq!(v["detail"]["coupled_pairs"], serde_json::json!([[0, 1]]));
    assert!(v["hint"].as_str().unwrap().contains("coloring"));
    // The invariance it really breaks: pi P differs from pi far beyond rounding.
    assert_eq!(verdict_status(&r, "K.invariance"), "fail");
    assert!(verdict(&r, "K.invariance")["measured"].as_f64().unwrap() > 1e-3);
    // The same blocks drawn jointly are the exact block heat bath.
    let joint = audit(&d, "joint.toml", "gibbs", "[[0, 1], [2]]");
    assert_eq!(verdict_status(&joint, "K.invariance"), "pass");
    assert_eq!(
        verdict_status(&joint, "K.parallel-blocks"),
        "not-applicable"
    );
}

#[test]
fn an_uncoupled_block_drawn_in_parallel_is_the_block_heat_bath() {
    let d = scratch();
    // 0 and 2 do not interact on the chain 0-1-2.
    let par = audit(&d, "par.toml", "parallel-gibbs", "[[0, 2], [1]]");
    let heat = audit(&d, "heat.toml", "gibbs", "[[0, 2], [1]]");
    assert_eq!(verdict_status(&par, "K.parallel-blocks"), "pass");
    assert_eq!(verdict_status(&par, "K.invariance"), "pass");
    assert_eq!(verdict_status(&par, "K.step-consistency"), "pass");
    // The kernel fingerprint hashes every entry of P: the two operators are bit-identical.
    assert_eq!(
        par["subject"]["kernel_fingerprint"],
        heat["subject"]["kernel_fingerprint"]
    );
}
