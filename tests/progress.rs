//! Progress is shown, never recorded (issue 15 item 2): a sink sees the announced work with its
//! totals, and the report of a run watched by a sink is the report of the same run unwatched.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use mcmc_audit::pipeline;
use mcmc_audit::progress::{self, Bar, Sink};

#[derive(Default)]
struct Seen {
    begun: Mutex<Vec<(String, Option<u64>)>>,
    steps: AtomicU64,
    done: AtomicU64,
}

struct Counting(Arc<Seen>);
struct CountingBar(Arc<Seen>);

impl Sink for Counting {
    fn begin(&self, label: &str, total: Option<u64>) -> Box<dyn Bar> {
        self.0.begun.lock().unwrap().push((label.into(), total));
        Box::new(CountingBar(self.0.clone()))
    }
}

impl Bar for CountingBar {
    fn inc(&self, n: u64) {
        self.0.steps.fetch_add(n, Ordering::Relaxed);
    }
    fn message(&self, _: String) {}
    fn done(&self) {
        self.0.done.fetch_add(1, Ordering::Relaxed);
    }
}

fn report_json(spec: &std::path::Path) -> serde_json::Value {
    let r = pipeline::run_spec(spec, None).unwrap();
    let mut v = serde_json::to_value(&r).unwrap();
    // Wall-clock rate: the one field that differs between any two runs.
    v["quantities"]["updates_per_second"] = serde_json::Value::Null;
    v
}

#[test]
fn a_watched_run_reports_what_an_unwatched_one_does() {
    let d = std::env::temp_dir().join(format!("mcmc-audit-progress-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    let spec = d.join("spec.toml");
    std::fs::write(
        &spec,
        "[model]\nfamily = \"curie-weiss\"\nn = 8\nbeta = 0.4\n[sampling]\nchains = 2\nsweeps = 4096\nburn_in = 2048\ndoubling_from = 512\nseed = 3\n",
    )
    .unwrap();
    let unwatched = report_json(&spec);
    // Without a sink a task is a no-op.
    assert!(!progress::task("nothing", Some(1)).is_shown());

    let seen = Arc::new(Seen::default());
    assert!(progress::install(Box::new(Counting(seen.clone()))));
    let watched = report_json(&spec);
    assert_eq!(watched, unwatched);

    let begun = seen.begun.lock().unwrap().clone();
    let total = 2 * (4096 + 2048);
    assert!(
        begun.contains(&("sampling (sweeps of all chains)".into(), Some(total))),
        "{begun:?}"
    );
    // Counted every 1024 sweeps of a chain: burn-in and recording are multiples of it here.
    assert_eq!(seen.steps.load(Ordering::Relaxed), total);
    assert_eq!(seen.done.load(Ordering::Relaxed), begun.len() as u64);
}
