//! Thin command-line front end over the library (shared/design/CLI.md). Exit codes: 0 pass, 1 a
//! required check fails, 2 usage or input error (one line on stderr), 3 inconclusive.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use mcmc_audit::{audit, report, trainability};

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
    },
    /// Re-run one of the programme's experiments on this project's own frozen grid (specs/reproduce.toml).
    Reproduce {
        /// The experiment (available: exp1, the exact-diagonalization grid).
        experiment: String,
        /// Output format (text or json).
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
}

fn fail(msg: impl std::fmt::Display) -> ExitCode {
    eprintln!("mcmc-audit: error: {msg}");
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match cli.command {
        Command::Audit {
            spec,
            format,
            out,
            eigenvalues,
        } => {
            let eig = if eigenvalues == "all" {
                None
            } else {
                match eigenvalues.parse::<usize>() {
                    Ok(k) => Some(k),
                    Err(_) => {
                        return fail(format!(
                            "--eigenvalues: `{eigenvalues}` is neither a number nor `all`"
                        ));
                    }
                }
            };
            let r = match audit::run_spec(&spec, eig) {
                Ok(r) => r,
                Err(e) => return fail(e),
            };
            let text = match format {
                Format::Text => report::text(&r),
                Format::Json => report::json(&r) + "\n",
                Format::Junit => report::junit(&r),
            };
            match out {
                Some(p) => {
                    if let Err(e) = std::fs::write(&p, text) {
                        return fail(format!("{}: cannot write: {e}", p.display()));
                    }
                }
                None => print!("{text}"),
            }
            ExitCode::from(r.exit_code() as u8)
        }
        Command::Reproduce { experiment, format } => {
            let r = match trainability::reproduce::run(&experiment) {
                Ok(r) => r,
                Err(e) => return fail(e),
            };
            match format {
                Format::Text => print!("{}", trainability::reproduce::text(&r)),
                Format::Json => println!("{}", trainability::reproduce::json(&r)),
                Format::Junit => {
                    return fail("reproduce: --format junit is not available (text | json)");
                }
            }
            ExitCode::SUCCESS
        }
    }
}
