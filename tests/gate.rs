//! The library as a CI gate (issue #2, deliverable 8): the example sampler passes, its broken
//! variant fails, and `assert_kernel_passes` turns that into a failing test.

#[path = "../examples/custom_sampler.rs"]
mod custom_sampler;

use custom_sampler::{my_kernel, test_model};
use mcmc_audit::gate::{assert_kernel_passes, check_kernel, failures};

//= test:K.invariance
//= test:A2.detailed-balance
#[test]
fn the_sampler_passes_the_gate() {
    let model = test_model();
    assert_kernel_passes(model.as_ref(), &my_kernel(&model, 2.0));
}

#[test]
#[should_panic(expected = "fails the mcmc-audit gate")]
fn the_broken_sampler_fails_the_gate() {
    let model = test_model();
    assert_kernel_passes(model.as_ref(), &my_kernel(&model, 1.0));
}

#[test]
fn the_broken_sampler_fails_for_the_right_reasons() {
    let model = test_model();
    let r = check_kernel(model.as_ref(), &my_kernel(&model, 1.0)).unwrap();
    let f = failures(&r).join("\n");
    assert!(
        f.contains("K.invariance") && f.contains("A2.detailed-balance"),
        "{f}"
    );
    // Its fast path still agrees with its own (wrong) law.
    assert!(!f.contains("K.step-consistency"), "{f}");
    // Each line is the report's explanation and hint of that check (issue 15 item 1).
    let inv = r.verdict("K.invariance").unwrap();
    let line = failures(&r)
        .into_iter()
        .find(|l| l.contains("K.invariance"))
        .unwrap();
    assert!(line.contains(&inv.explanation), "{line}");
    assert!(
        line.contains(&format!("hint: {}", inv.hint.as_deref().unwrap())),
        "{line}"
    );
    assert!(line.contains("passes at ≤ 1e-12"), "{line}");
}
