//! Thin command-line front end over the library (docs/cli.md). Exit codes: 0 pass, 1 a
//! required check fails, 2 usage or input error (one line on stderr), 3 inconclusive.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use mcmc_audit::diagnostics::Convention;
use mcmc_audit::io::output::{self, OutputError};
use mcmc_audit::pipeline::{self, reproduce, trace};
use mcmc_audit::report;

/// The system allocator with a huge-page hint on large blocks (`mcmc_audit::alloc`).
#[global_allocator]
static ALLOC: mcmc_audit::alloc::LargePages = mcmc_audit::alloc::LargePages;

#[derive(Parser)]
#[command(
    name = "mcmc-audit",
    version,
    about = "Audit Markov-chain sampler kernels for discrete energy-based models against the assumptions of the observable-projected trainability theorem."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Text,
    Json,
    Junit,
    // One self-contained HTML page with SVG figures (no network, no script).
    Html,
}

#[derive(Clone, Copy, ValueEnum)]
enum PageFormat {
    Text,
    Json,
    // One self-contained HTML page with SVG figures (no network, no script).
    Html,
}

#[derive(Clone, Copy, ValueEnum)]
enum ReproduceFormat {
    Text,
    Json,
    // One self-contained HTML page with the tracking scatter (exp1 and rbm1).
    Html,
}

#[derive(Subcommand)]
enum Command {
    /// Audit a kernel (or a transition matrix) described by a TOML spec.
    Audit {
        /// The audit spec (TOML).
        spec: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
        /// Write the report here instead of standard output.
        #[arg(long)]
        out: Option<PathBuf>,
        /// How many eigenvalues to list in the report: a number, or `all`.
        #[arg(long, default_value = "32")]
        eigenvalues: String,
        /// Compare with this earlier JSON report of the same model (`audit --format json`): exit 1
        /// when τ, a gap, t_mix or a passed check regresses beyond the spec's `[baseline]` tolerances.
        #[arg(long)]
        baseline: Option<PathBuf>,
    },
    /// Compare several kernels of one model (a [[kernels]] list in the spec), cost-normalized.
    Compare {
        /// The spec (TOML) with one [[kernels]] table per kernel.
        spec: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value = "text")]
        format: PageFormat,
        /// Write the report here instead of standard output.
        #[arg(long)]
        out: Option<PathBuf>,
        /// How many eigenvalues each kernel's audit lists: a number, or `all`.
        #[arg(long, default_value = "32")]
        eigenvalues: String,
        /// Compare with this earlier JSON report of `compare` on the same model, kernel by kernel
        /// (matched by name): exit 1 on a regression beyond the spec's `[baseline]` tolerances.
        #[arg(long)]
        baseline: Option<PathBuf>,
    },
    /// Regression-check the published numbers in specs/claims.toml (recompute, derive, record).
    Claims {
        /// Only this claim id.
        #[arg(long)]
        id: Option<String>,
        /// Output format: text or json.
        #[arg(long, value_enum, default_value = "text")]
        format: ClaimsFormat,
    },
    /// Diagnose sampled trajectories (.npy, .npz or .csv): ESS, R-hat, MCSE, tau and the estimator rules.
    Trace {
        /// `.npy` of shape (chains, draws[, variables]), `.npz` with one (chains, draws) array per
        /// variable, or `.csv` with a header row (and a `chain` column for several chains).
        file: PathBuf,
        /// Which reference's conventions to follow where posterior and ArviZ differ.
        #[arg(long, value_enum, default_value = "posterior")]
        convention: TraceConvention,
        /// Output format.
        #[arg(long, value_enum, default_value = "text")]
        format: PageFormat,
        /// Burn-in draws discarded before the trajectory (enables the E.burn-in check).
        #[arg(long)]
        burn_in: Option<usize>,
        /// The estimator window K judged by A6.sampled (K >= 50 tau; default: the draws per chain).
        #[arg(long)]
        window: Option<usize>,
        /// First length of the doubling-stability probe (default: n / 2^k, at least 64 draws).
        #[arg(long)]
        doubling_from: Option<usize>,
        /// Exit 0 whatever the verdicts (bad input is still 2). By default the exit code follows the
        /// verdicts as in `audit`: 1 on a failed required check, 3 on an inconclusive one.
        #[arg(long, conflicts_with = "strict")]
        report_only: bool,
        /// Deprecated and accepted for old scripts: the verdict exit codes are now the default.
        #[arg(long)]
        strict: bool,
    },
    /// Re-run one of the programme's experiments on this project's own frozen grid (specs/reproduce.toml).
    Reproduce {
        /// The experiment (available: exp1, the Ising exact-diagonalization grid; rbm1, the planted-RBM grid; a2a6, systematic vs reversible kernels; scaling, N = 8..20 matrix-free).
        experiment: String,
        /// Output format.
        #[arg(long, value_enum, default_value = "text")]
        format: ReproduceFormat,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum ClaimsFormat {
    Text,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum TraceConvention {
    Posterior,
    Arviz,
}

/// `--eigenvalues K|all`.
fn eigenvalues_arg(s: &str) -> Result<Option<usize>, String> {
    if s == "all" {
        return Ok(None);
    }
    s.parse::<usize>()
        .map(Some)
        .map_err(|_| format!("--eigenvalues: `{s}` is neither a number nor `all`"))
}

/// Refuses (exit 2, before any work) an `--out` naming the spec, its data files or the baseline.
fn refuse_input_as_out(
    out: Option<&PathBuf>,
    spec: &Path,
    baseline: Option<&Path>,
) -> Option<ExitCode> {
    out?;
    // The spec's own data files too (a spec that does not load fails the run with its own error).
    let data = mcmc_audit::spec::AuditSpec::load(spec)
        .map(|s| s.data_files())
        .unwrap_or_default();
    let inputs: Vec<&Path> = std::iter::once(spec)
        .chain(baseline)
        .chain(data.iter().map(PathBuf::as_path))
        .collect();
    match out.map(|p| output::check_not_input(p, &inputs)) {
        Some(Err(OutputError::Failed(m))) => Some(fail(m)),
        _ => None,
    }
}

/// Writes a rendered report to `--out` (atomically) or standard output: `Some(code)` when the write
/// failed and the program must exit with it; a reader that closed standard output early is not a
/// failure (the run's own exit code stands, nothing more is printed).
fn emit(text: &str, out: Option<&PathBuf>) -> Option<ExitCode> {
    let written = match out {
        Some(p) => output::to_file(text, p),
        None => output::to_stdout(text),
    };
    match written {
        Ok(()) | Err(OutputError::BrokenPipe) => None,
        Err(OutputError::Failed(m)) => Some(fail(m)),
    }
}

/// The argument parser's message folded into one line (docs/cli.md: one line on stderr for every
/// usage error): its non-empty lines, trimmed, joined with "; ", without clap's own `error: `.
fn one_line(rendered: &str) -> String {
    let mut out = String::new();
    for line in rendered.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let line = line.strip_prefix("error: ").unwrap_or(line);
        if !out.is_empty() {
            // A line ending in ':' introduces the next one (e.g. the missing arguments).
            out += if out.ends_with(':') { " " } else { "; " };
        }
        out += line;
    }
    out
}

fn fail(msg: impl std::fmt::Display) -> ExitCode {
    eprintln!("mcmc-audit: error: {msg}");
    ExitCode::from(2)
}

/// Progress bars on stderr (indicatif), one line per unit of work, cleared when it ends.
struct Bars(indicatif::MultiProgress);

struct OneBar(indicatif::ProgressBar);

impl mcmc_audit::progress::Sink for Bars {
    fn begin(&self, label: &str, total: Option<u64>) -> Box<dyn mcmc_audit::progress::Bar> {
        use indicatif::{ProgressBar, ProgressStyle};
        let bar = match total {
            Some(t) => ProgressBar::new(t).with_style(
                ProgressStyle::with_template(
                    "{prefix} [{bar:30}] {pos}/{len} ({elapsed}, ~{eta} left) {wide_msg}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
            ),
            None => ProgressBar::new_spinner().with_style(
                ProgressStyle::with_template("{prefix} {spinner} ({elapsed}) {wide_msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            ),
        };
        let bar = self.0.add(bar.with_prefix(label.to_string()));
        bar.enable_steady_tick(std::time::Duration::from_millis(200));
        Box::new(OneBar(bar))
    }
}

impl mcmc_audit::progress::Bar for OneBar {
    fn inc(&self, n: u64) {
        self.0.inc(n);
    }
    fn message(&self, text: String) {
        self.0.set_message(text);
    }
    fn done(&self) {
        self.0.finish_and_clear();
    }
}

/// Shows progress only to a person: stderr is a terminal and `CI` is unset (docs/cli.md).
fn install_progress() {
    use std::io::IsTerminal;
    if std::io::stderr().is_terminal() && std::env::var_os("CI").is_none() {
        let target = indicatif::ProgressDrawTarget::stderr_with_hz(5);
        mcmc_audit::progress::install(Box::new(Bars(indicatif::MultiProgress::with_draw_target(
            target,
        ))));
    }
}

fn main() -> ExitCode {
    mcmc_audit::alloc::return_large_blocks();
    install_progress();
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) if !e.use_stderr() => {
            // --help and --version: clap's own text on standard output, exit 0.
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        Err(e) => return fail(one_line(&e.render().to_string())),
    };
    match cli.command {
        Command::Audit {
            spec,
            format,
            out,
            eigenvalues,
            baseline,
        } => {
            if let Some(code) = refuse_input_as_out(out.as_ref(), &spec, baseline.as_deref()) {
                return code;
            }
            let eig = match eigenvalues_arg(&eigenvalues) {
                Ok(e) => e,
                Err(m) => return fail(m),
            };
            let html = matches!(format, Format::Html);
            let run = pipeline::run_spec_with(&spec, eig, baseline.as_deref(), html);
            let r = match run {
                Ok(r) => r,
                Err(e) => return fail(e),
            };
            let text = match format {
                Format::Text => report::audit::text(&r),
                Format::Json => report::audit::json(&r) + "\n",
                Format::Junit => report::audit::junit(&r),
                Format::Html => report::html::audit(&r),
            };
            if let Some(code) = emit(&text, out.as_ref()) {
                return code;
            }
            ExitCode::from(r.exit_code() as u8)
        }
        Command::Compare {
            spec,
            format,
            out,
            eigenvalues,
            baseline,
        } => {
            if let Some(code) = refuse_input_as_out(out.as_ref(), &spec, baseline.as_deref()) {
                return code;
            }
            let eig = match eigenvalues_arg(&eigenvalues) {
                Ok(e) => e,
                Err(m) => return fail(m),
            };
            let r = match pipeline::compare::run_spec(&spec, eig, baseline.as_deref()) {
                Ok(r) => r,
                Err(e) => return fail(e),
            };
            let text = match format {
                PageFormat::Text => report::compare::text(&r),
                PageFormat::Json => report::compare::json(&r) + "\n",
                PageFormat::Html => report::html::compare(&r, &report::compare::text(&r)),
            };
            if let Some(code) = emit(&text, out.as_ref()) {
                return code;
            }
            ExitCode::from(r.exit_code() as u8)
        }
        Command::Claims { id, format } => {
            match mcmc_audit::claims::run_cli(id.as_deref(), matches!(format, ClaimsFormat::Json)) {
                Ok((text, code)) => emit(&text, None).unwrap_or(ExitCode::from(code as u8)),
                Err(e) => fail(e),
            }
        }
        Command::Trace {
            file,
            convention,
            format,
            burn_in,
            window,
            doubling_from,
            report_only,
            strict: _,
        } => {
            let opts = trace::TraceOptions {
                convention: match convention {
                    TraceConvention::Posterior => Convention::Posterior,
                    TraceConvention::Arviz => Convention::Arviz,
                },
                burn_in,
                window,
                doubling_from,
                figures: matches!(format, PageFormat::Html),
                ..Default::default()
            };
            let r = match trace::run_trace(&file, &opts) {
                Ok(r) => r,
                Err(e) => return fail(e),
            };
            let text = match format {
                PageFormat::Text => report::trace::text(&r),
                PageFormat::Json => report::trace::json(&r) + "\n",
                PageFormat::Html => report::html::trace(&r),
            };
            if let Some(code) = emit(&text, None) {
                return code;
            }
            // docs/cli.md's exit table holds for every command; --report-only opts out explicitly.
            ExitCode::from(if report_only { 0 } else { r.exit_code() as u8 })
        }
        Command::Reproduce { experiment, format } => {
            // A format the command cannot write is refused before any work (a grid runs for minutes).
            if matches!(format, ReproduceFormat::Html)
                && (experiment == "a2a6" || experiment == "scaling")
            {
                return fail(format!(
                    "reproduce {experiment}: --format html is available for exp1 and rbm1 (use text | json)"
                ));
            }
            let r = match reproduce::run(&experiment) {
                Ok(r) => r,
                Err(e) => return fail(e),
            };
            let text = match (format, &r) {
                (ReproduceFormat::Text, _) => report::reproduce::reproduction_text(&r),
                (ReproduceFormat::Json, _) => report::reproduce::reproduction_json(&r) + "\n",
                (ReproduceFormat::Html, reproduce::Reproduction::Tracking(t)) => {
                    report::html::reproduce(t, &report::reproduce::reproduction_text(&r))
                }
                // (a2a6 and scaling were refused above)
                (ReproduceFormat::Html, _) => report::reproduce::reproduction_text(&r),
            };
            emit(&text, None).unwrap_or(ExitCode::SUCCESS)
        }
    }
}
