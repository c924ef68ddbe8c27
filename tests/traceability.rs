//! Requirement traceability (the duvet pattern, in-crate): every id in `specs/assumptions.toml` that
//! is implemented has at least one checker citing it (`//= spec:ID` in `src/`) and at least one test
//! citing it (`//= test:ID` in `tests/` or in a `src/` test module); no citation names an unknown id;
//! planned and undefined ids have no checker. The id → checkers → tests matrix is a snapshot, so any
//! change in coverage is a reviewed diff.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use mcmc_audit::spec::requirements::{self, ReqStatus};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

/// (kind, id) → files citing it.
fn citations() -> BTreeMap<(String, String), Vec<String>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    rust_files(&root.join("tests"), &mut files);
    let mut map: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for f in files {
        let rel = f.strip_prefix(root).unwrap().display().to_string();
        if rel == "tests/traceability.rs" {
            continue;
        }
        let text = std::fs::read_to_string(&f).unwrap();
        for line in text.lines() {
            let t = line.trim();
            for kind in ["spec", "test"] {
                if let Some(id) = t.strip_prefix(&format!("//= {kind}:")) {
                    let files = map
                        .entry((kind.to_string(), id.trim().to_string()))
                        .or_default();
                    if !files.contains(&rel) {
                        files.push(rel.clone());
                    }
                }
            }
        }
    }
    map
}

#[test]
fn every_requirement_is_implemented_and_tested_and_every_citation_is_known() {
    let reqs = requirements::all();
    let cites = citations();
    let mut problems = Vec::new();
    for (kind, id) in cites.keys() {
        if !reqs.iter().any(|r| &r.id == id) {
            problems.push(format!(
                "`//= {kind}:{id}` cites an id not in specs/assumptions.toml ({:?})",
                cites[&(kind.clone(), id.clone())]
            ));
        }
    }
    for r in reqs {
        let has = |k: &str| cites.contains_key(&(k.to_string(), r.id.clone()));
        match r.status {
            ReqStatus::Implemented => {
                if !has("spec") {
                    problems.push(format!(
                        "{} is implemented but no checker cites it (`//= spec:{}`)",
                        r.id, r.id
                    ));
                }
                if !has("test") {
                    problems.push(format!(
                        "{} is implemented but no test cites it (`//= test:{}`)",
                        r.id, r.id
                    ));
                }
                if r.tolerance.is_none() && !reqs.iter().any(|c| c.parent.as_deref() == Some(&r.id))
                {
                    problems.push(format!("{} is implemented without a tolerance", r.id));
                }
                // A report explains every verdict in words (issue 15 item 1).
                if r.words.as_deref().is_none_or(str::is_empty) {
                    problems.push(format!(
                        "{} is implemented without `words` (its metric as the report says it)",
                        r.id
                    ));
                }
            }
            ReqStatus::Planned | ReqStatus::Undefined => {
                if has("spec") {
                    problems.push(format!(
                        "{} is {:?} but a checker cites it: flip its status",
                        r.id, r.status
                    ));
                }
            }
        }
    }
    assert!(
        problems.is_empty(),
        "traceability problems:\n  {}",
        problems.join("\n  ")
    );
}

#[test]
fn traceability_matrix_snapshot() {
    let cites = citations();
    let mut out = String::new();
    for r in requirements::all() {
        let get = |k: &str| {
            cites
                .get(&(k.to_string(), r.id.clone()))
                .map(|v| v.join(", "))
                .unwrap_or_else(|| "-".into())
        };
        out += &format!(
            "{} [{:?}]\n  checkers: {}\n  tests: {}\n",
            r.id,
            r.status,
            get("spec"),
            get("test")
        );
    }
    insta::assert_snapshot!(out);
}
