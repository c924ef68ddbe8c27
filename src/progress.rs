//! Progress of long runs, for a person watching a terminal (issue 15 item 2).
//!
//! The library only *announces* work: [`task`] returns a handle whose [`Task::inc`] and
//! [`Task::message`] do nothing unless a program has [`install`]ed a [`Sink`] (the `mcmc-audit`
//! binary installs a progress-bar sink on stderr when stderr is a terminal and `CI` is unset).
//! Nothing here is ever part of a report, and no computation reads it back, so results and their
//! bit-identity at any thread count do not depend on whether anyone watches.

use std::sync::OnceLock;

/// Where announced work is shown.
pub trait Sink: Send + Sync {
    /// A new unit of work: `total` steps when known (a bar), else open-ended (a spinner).
    fn begin(&self, label: &str, total: Option<u64>) -> Box<dyn Bar>;
}

/// One shown unit of work.
pub trait Bar: Send + Sync {
    /// `n` more steps done.
    fn inc(&self, n: u64);
    /// What is being done now.
    fn message(&self, text: String);
    /// The work is over (called once, when the [`Task`] is dropped).
    fn done(&self);
}

static SINK: OnceLock<Box<dyn Sink>> = OnceLock::new();

/// Installs the process's sink (the first call wins; returns whether this one did).
pub fn install(sink: Box<dyn Sink>) -> bool {
    SINK.set(sink).is_ok()
}

/// Announces a unit of work (a no-op handle when no sink is installed).
pub fn task(label: &str, total: Option<u64>) -> Task {
    Task(SINK.get().map(|s| s.begin(label, total)))
}

/// A unit of announced work; dropping it ends it.
pub struct Task(Option<Box<dyn Bar>>);

impl Task {
    /// `n` more steps done.
    pub fn inc(&self, n: u64) {
        if let Some(b) = &self.0 {
            b.inc(n);
        }
    }

    /// What is being done now; `text` is only evaluated when someone watches.
    pub fn message(&self, text: impl FnOnce() -> String) {
        if let Some(b) = &self.0 {
            b.message(text());
        }
    }

    /// Whether a sink shows this task (to skip work done only for the display).
    pub fn is_shown(&self) -> bool {
        self.0.is_some()
    }
}

impl Drop for Task {
    fn drop(&mut self) {
        if let Some(b) = &self.0 {
            b.done();
        }
    }
}
