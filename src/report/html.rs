//! `--format html` (issue 15 item 3): one self-contained page per report — inline CSS, inline SVG
//! figures drawn with plotters' SVG backend, no script, no network, no font files — written as XHTML so
//! any XML parser reads it (the tests do). A page opens with the outcome and the failing checks
//! explained (the text report's lines), then the figures, then every check and the quantities.
//!
//! Figures: the exact spectrum (real, or the complex spectrum of P in the unit disc for a
//! non-reversible kernel), τ per observable, the exact MSE / bias² / variance over the window and
//! over the burn-in, τ(L) across the doubling probe, the ACFs, ArviZ-style rank histograms per chain
//! (the picture of E.mixing), and for `reproduce` the tracking scatter of Q_struct⊥ against Q_op.

use plotters::coord::Shift;
use plotters::prelude::*;
use serde_json::Value;

use super::figures::{Figures, VariableFigures};
use super::summary;
use super::{AuditReport, VERSION};
use crate::checks::Verdict;
use crate::checks::explain::{passes_at, sig};
use crate::pipeline::reproduce::ReproduceReport;
use crate::pipeline::trace::TraceReport;

/// Width and height of a figure, in SVG user units (pixels at 100 %).
const W: u32 = 720;
const H: u32 = 380;

/// The series colours (Okabe–Ito, distinguishable with colour-vision deficiencies).
const PALETTE: [RGBColor; 8] = [
    RGBColor(0, 114, 178),
    RGBColor(213, 94, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(230, 159, 0),
    RGBColor(86, 180, 233),
    RGBColor(0, 0, 0),
    RGBColor(240, 228, 66),
];

const GREY: RGBColor = RGBColor(150, 150, 150);

/// Escapes text for HTML/XML content and attributes.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out += "&amp;",
            '<' => out += "&lt;",
            '>' => out += "&gt;",
            '"' => out += "&quot;",
            '\'' => out += "&#39;",
            c => out.push(c),
        }
    }
    out
}

/// One axis: its label and whether values are drawn on a log10 scale.
struct Axis<'a> {
    label: &'a str,
    log: bool,
}

/// One series of a chart.
struct Series {
    name: String,
    points: Vec<(f64, f64)>,
    color: RGBColor,
    line: bool,
    dots: bool,
}

/// A vertical or horizontal reference line with its label.
enum Rule {
    X(f64, String),
    Y(f64, String),
}

fn tf(v: f64, log: bool) -> Option<f64> {
    if log {
        (v > 0.0 && v.is_finite()).then(|| v.log10())
    } else {
        v.is_finite().then_some(v)
    }
}

fn range(vals: impl Iterator<Item = f64>) -> (f64, f64) {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for v in vals {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if !lo.is_finite() || !hi.is_finite() {
        return (0.0, 1.0);
    }
    // A range below a millionth of its size (τ of equivalent observables equal to rounding) is drawn
    // as one value.
    let pad = if hi - lo > 1e-6 * hi.abs().max(lo.abs()) {
        0.05 * (hi - lo)
    } else {
        0.5_f64
            .min(0.05 * hi.abs())
            .max(1e-3 * hi.abs())
            .max(1e-300)
    };
    (lo - pad, hi + pad)
}

/// A tick label: three significant digits, trailing zeros dropped.
fn tick(x: f64) -> String {
    let trim = |s: String| {
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            s
        }
    };
    let a = x.abs();
    if x == 0.0 {
        "0".into()
    } else if (1e-3..1e5).contains(&a) {
        let d = (2 - a.log10().floor() as i32).max(0) as usize;
        trim(format!("{x:.d$}"))
    } else {
        let s = format!("{x:.1e}");
        match s.split_once('e') {
            Some((m, e)) => format!("{}e{e}", trim(m.to_string())),
            None => s,
        }
    }
}

type Drawn = Result<(), Box<dyn std::error::Error>>;

fn svg(draw: impl FnOnce(&DrawingArea<SVGBackend, Shift>) -> Drawn) -> String {
    let mut s = String::new();
    let result = {
        let root = SVGBackend::with_string(&mut s, (W, H)).into_drawing_area();
        root.fill(&WHITE)
            .map_err(|e| e.to_string())
            .and_then(|()| draw(&root).map_err(|e| e.to_string()))
            .and_then(|()| root.present().map_err(|e| e.to_string()))
    };
    match result {
        Ok(()) => s,
        Err(e) => format!("<p class=\"error\">figure not drawn: {}</p>", esc(&e)),
    }
}

/// A line/dot chart of several series on linear or log10 axes, with reference lines; the legend in
/// the upper right.
fn chart(title: &str, x: Axis, y: Axis, series: &[Series], rules: &[Rule]) -> String {
    chart_at(SeriesLabelPosition::UpperRight, title, x, y, series, rules)
}

/// [`chart`] with the legend at `legend`.
fn chart_at(
    legend: SeriesLabelPosition,
    title: &str,
    x: Axis,
    y: Axis,
    series: &[Series],
    rules: &[Rule],
) -> String {
    let pts: Vec<Vec<(f64, f64)>> = series
        .iter()
        .map(|s| {
            s.points
                .iter()
                .filter_map(|&(a, b)| Some((tf(a, x.log)?, tf(b, y.log)?)))
                .collect()
        })
        .collect();
    let xs = pts
        .iter()
        .flatten()
        .map(|p| p.0)
        .chain(rules.iter().filter_map(|r| match r {
            Rule::X(v, _) => tf(*v, x.log),
            Rule::Y(..) => None,
        }));
    let ys = pts
        .iter()
        .flatten()
        .map(|p| p.1)
        .chain(rules.iter().filter_map(|r| match r {
            Rule::Y(v, _) => tf(*v, y.log),
            Rule::X(..) => None,
        }));
    let (x0, x1) = range(xs);
    let (y0, y1) = range(ys);
    // A linear tick within rounding of 0 (a sum of steps) is 0.
    let fmt = |log: bool, span: f64| {
        move |v: &f64| {
            if log {
                tick(10f64.powf(*v))
            } else if v.abs() < 1e-9 * span {
                "0".into()
            } else {
                tick(*v)
            }
        }
    };
    svg(|root| {
        let mut c = ChartBuilder::on(root)
            .caption(title, ("sans-serif", 17))
            .margin(10)
            .x_label_area_size(40)
            .y_label_area_size(64)
            .build_cartesian_2d(x0..x1, y0..y1)?;
        c.configure_mesh()
            .x_desc(x.label)
            .y_desc(y.label)
            .x_label_formatter(&fmt(x.log, x1 - x0))
            .y_label_formatter(&fmt(y.log, y1 - y0))
            .light_line_style(RGBColor(235, 235, 235))
            .draw()?;
        for r in rules {
            let (a, b, label) = match r {
                Rule::X(v, l) => match tf(*v, x.log) {
                    Some(v) => ((v, y0), (v, y1), l),
                    None => continue,
                },
                Rule::Y(v, l) => match tf(*v, y.log) {
                    Some(v) => ((x0, v), (x1, v), l),
                    None => continue,
                },
            };
            c.draw_series(LineSeries::new([a, b], GREY.stroke_width(1)))?
                .label(label.as_str())
                .legend(|(px, py)| PathElement::new([(px, py), (px + 18, py)], GREY));
        }
        for (s, p) in series.iter().zip(&pts) {
            let color = s.color;
            if s.line {
                c.draw_series(LineSeries::new(p.iter().copied(), color.stroke_width(2)))?
                    .label(s.name.as_str())
                    .legend(move |(px, py)| {
                        PathElement::new([(px, py), (px + 18, py)], color.stroke_width(2))
                    });
            }
            if s.dots {
                let drawn = c.draw_series(p.iter().map(|&q| Circle::new(q, 3, color.filled())))?;
                if !s.line {
                    drawn
                        .label(s.name.as_str())
                        .legend(move |(px, py)| Circle::new((px + 9, py), 3, color.filled()));
                }
            }
        }
        c.configure_series_labels()
            .background_style(WHITE.mix(0.85))
            .border_style(GREY)
            .position(legend)
            .draw()?;
        Ok(())
    })
}

/// The complex spectrum in the unit disc.
fn complex_plane(title: &str, points: &[(f64, f64)]) -> String {
    svg(|root| {
        let side = H.min(W);
        let area = root.margin(0, 0, (W - side) / 2, (W - side) / 2);
        let mut c = ChartBuilder::on(&area)
            .caption(title, ("sans-serif", 17))
            .margin(10)
            .x_label_area_size(40)
            .y_label_area_size(50)
            .build_cartesian_2d(-1.1f64..1.1f64, -1.1f64..1.1f64)?;
        let zero = |v: &f64| {
            if v.abs() < 1e-9 {
                "0".to_string()
            } else {
                tick(*v)
            }
        };
        c.configure_mesh()
            .x_desc("Re λ")
            .y_desc("Im λ")
            .x_label_formatter(&zero)
            .y_label_formatter(&zero)
            .light_line_style(RGBColor(235, 235, 235))
            .draw()?;
        c.draw_series(LineSeries::new(
            (0..=360).map(|d| {
                let t = f64::from(d).to_radians();
                (t.cos(), t.sin())
            }),
            GREY.stroke_width(1),
        ))?;
        c.draw_series(
            points
                .iter()
                .map(|&p| Circle::new(p, 3, PALETTE[0].filled())),
        )?;
        Ok(())
    })
}

fn figure(id: &str, svg: String, caption: &str) -> String {
    figure_of(id, id, None, svg, caption)
}

/// A figure with its element id, its kind (`data-figure`, what the tests look for) and the variable
/// it shows (`data-variable`).
fn figure_of(id: &str, kind: &str, variable: Option<&str>, svg: String, caption: &str) -> String {
    let var = variable.map_or(String::new(), |v| format!(" data-variable=\"{}\"", esc(v)));
    format!(
        "<figure class=\"figure\" id=\"fig-{id}\" data-figure=\"{kind}\"{var}>\n{svg}\n<figcaption>{}</figcaption>\n</figure>\n",
        esc(caption)
    )
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:2em auto;max-width:1100px;color:#222;padding:0 1em}\
h1{font-size:1.5em}h2{font-size:1.2em;border-bottom:1px solid #ddd;padding-bottom:.2em;margin-top:2em}\
pre{background:#f7f7f7;padding:.8em;overflow-x:auto;font-size:.85em;white-space:pre-wrap}\
table{border-collapse:collapse;font-size:.85em;width:100%}td,th{border-bottom:1px solid #eee;padding:.25em .5em;text-align:left;vertical-align:top}\
td.num{text-align:right;font-family:monospace}.pass{color:#1a7f37}.fail{color:#cf222e;font-weight:bold}\
.inconclusive{color:#9a6700;font-weight:bold}.not-applicable,.undefined{color:#777}\
figure{margin:1.5em 0}figcaption{font-size:.85em;color:#555;max-width:720px}.hint{color:#0550ae}";

fn page(title: &str, subject: &str, outcome: &str, figures: &[String], body: &str) -> String {
    let mut out = String::from(
        "<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n",
    );
    out += &format!(
        "<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        esc(title)
    );
    out += &format!(
        "<h1>{}</h1>\n<p class=\"subject\">{}</p>\n",
        esc(title),
        esc(subject)
    );
    out += &format!(
        "<section id=\"outcome\">\n<h2>Outcome</h2>\n<pre>{}</pre>\n</section>\n",
        esc(outcome)
    );
    out += "<section id=\"figures\">\n<h2>Figures</h2>\n";
    if figures.is_empty() {
        out += "<p>No figure applies to this report.</p>\n";
    }
    for f in figures {
        out += f;
    }
    out += "</section>\n";
    out += body;
    out += &format!(
        "<p class=\"footer\">mcmc-audit {VERSION}: every value in full is in the JSON report (<code>--format json</code>).</p>\n</body>\n</html>\n"
    );
    out
}

fn verdict_table(verdicts: &[Verdict], n: usize, with_variable: bool) -> String {
    let mut out = String::from(
        "<section id=\"checks\">\n<h2>Checks</h2>\n<table>\n<tr><th>status</th><th>id</th>",
    );
    if with_variable {
        out += "<th>variable</th>";
    }
    out += "<th>measured</th><th>passes at</th><th>explanation</th></tr>\n";
    for v in verdicts {
        let st = v.status.as_str();
        out += &format!(
            "<tr class=\"{st}\"><td class=\"{st}\">{}</td><td>{}</td>",
            st.to_uppercase(),
            esc(&v.id)
        );
        if with_variable {
            let var = v
                .detail
                .get("variable")
                .and_then(Value::as_str)
                .unwrap_or("");
            out += &format!("<td>{}</td>", esc(var));
        }
        out += &format!(
            "<td class=\"num\">{}</td><td>{}</td><td>{}",
            v.measured.map_or("null".into(), sig),
            esc(&passes_at(v, n).unwrap_or_else(|| "-".into())),
            esc(&v.explanation)
        );
        if let Some(h) = &v.hint {
            out += &format!("<br/><span class=\"hint\">hint: {}</span>", esc(h));
        }
        out += "</td></tr>\n";
    }
    out + "</table>\n</section>\n"
}

fn numbers(v: Option<&Value>) -> Vec<(String, f64)> {
    match v {
        Some(Value::Object(m)) => m
            .iter()
            .filter_map(|(k, x)| x.as_f64().map(|f| (k.clone(), f)))
            .collect(),
        _ => Vec::new(),
    }
}

fn exact_figures(r: &AuditReport, out: &mut Vec<String>) {
    let q = &r.quantities;
    if let Some(Value::Array(e)) = q.get("eigenvalues") {
        let pts: Vec<(f64, f64)> = e
            .iter()
            .enumerate()
            .filter_map(|(j, v)| v.as_f64().map(|x| ((j + 1) as f64, x)))
            .collect();
        let zero = if pts.iter().any(|p| p.1 < 0.0) {
            vec![Rule::Y(0.0, "0 (A3.nonnegative)".into())]
        } else {
            Vec::new()
        };
        let caption = format!(
            "The {} largest eigenvalues σ_j of the symmetrized operator S = D^1/2 P D^-1/2 ({} states; --eigenvalues all lists every one). The gap γ = 1 − σ_2 sets the slowest relaxation; an eigenvalue below 0 fails A3.nonnegative.",
            pts.len(),
            r.subject.n_states
        );
        let s = Series {
            name: "σ_j".into(),
            points: pts,
            color: PALETTE[0],
            line: false,
            dots: true,
        };
        let svg = chart(
            "exact spectrum",
            Axis {
                label: "j (largest first)",
                log: false,
            },
            Axis {
                label: "σ_j",
                log: false,
            },
            &[s],
            &zero,
        );
        out.push(figure("spectrum", svg, &caption));
    }
    if let Some(Value::Array(sc)) = q.get("spectrum_complex") {
        let pts: Vec<(f64, f64)> = sc
            .iter()
            .filter_map(|x| Some((x["re"].as_f64()?, x["im"].as_f64()?)))
            .collect();
        let caption = format!(
            "The {} eigenvalues λ of P of largest modulus, in the unit disc: the kernel is not reversible, so its spectrum is complex (1 − |λ_2| is the absolute gap; the mixing measures replace the spectral ones).",
            pts.len()
        );
        out.push(figure(
            "complex-spectrum",
            complex_plane("complex spectrum of P", &pts),
            &caption,
        ));
    }
    let mut tau = numbers(q.get("tau"));
    if !tau.is_empty() {
        tau.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        let pts: Vec<(f64, f64)> = tau
            .iter()
            .enumerate()
            .map(|(i, (_, t))| ((i + 1) as f64, *t))
            .collect();
        let mut rules = Vec::new();
        if let Some(w) = r
            .verdict("A6")
            .and_then(|v| v.detail.get("window"))
            .and_then(Value::as_f64)
        {
            rules.push(Rule::Y(w / 50.0, format!("K/50 = {} (A6)", sig(w / 50.0))));
        }
        let spread = pts.first().map_or(1.0, |p| p.1) / pts.last().map_or(1.0, |p| p.1).max(1e-300);
        let slowest: Vec<String> = tau
            .iter()
            .take(3)
            .map(|(k, t)| format!("{k} {}", sig(*t)))
            .collect();
        let sampled = r.subject.kind == "sampled";
        let svg = chart(
            if sampled {
                "τ per observable (N/ESS, estimated from all draws)"
            } else {
                "τ per observable (N/ESS, exact)"
            },
            Axis {
                label: "observable rank (slowest first)",
                log: false,
            },
            Axis {
                label: "τ",
                log: spread > 100.0,
            },
            &[Series {
                name: "τ".into(),
                points: pts,
                color: PALETTE[1],
                line: false,
                dots: true,
            }],
            &rules,
        );
        out.push(figure(
            "tau",
            svg,
            &format!(
                "{} integrated autocorrelation time of each of the {} observables, slowest first ({}). {}",
                if sampled { "Estimated (Sokal window)" } else { "Exact" },
                tau.len(),
                slowest.join(", "),
                if sampled {
                    "A6.sampled needs the sweeps K ≥ 50·τ of the slowest, once E.doubling resolves it."
                } else {
                    "A6 needs the window K ≥ 50·τ_max."
                }
            ),
        ));
    }
}

fn estimator_figures(f: &Figures, out: &mut Vec<String>) {
    let Some(c) = &f.estimator else { return };
    let curves = |pts: &[super::figures::MsePoint]| {
        let line = |name: &str, i: usize, get: fn(&super::figures::MsePoint) -> f64| Series {
            name: name.into(),
            points: pts.iter().map(|p| (p.x, get(p))).collect(),
            color: PALETTE[i],
            line: true,
            dots: false,
        };
        vec![
            line("MSE", 0, |p| p.mse),
            line("bias²", 1, |p| p.bias2),
            line("variance", 2, |p| p.variance),
        ]
    };
    let mut note = c
        .note
        .as_deref()
        .map_or(String::new(), |n| format!(" ({n})"));
    if !c.configured {
        note += " — the spec has no [estimator] section, so this is drawn at its defaults (burn_in = \"auto\" = ⌈5/γ_eff⌉, window = 1000) and A5/A6 are not judged";
    }
    if !c.by_window.is_empty() {
        let svg = chart(
            "exact estimator error over the window K",
            Axis {
                label: "window K (steps)",
                log: true,
            },
            Axis {
                label: "summed over observables",
                log: true,
            },
            &curves(&c.by_window),
            &[Rule::X(c.window as f64, format!("K = {}", c.window))],
        );
        out.push(figure(
            "mse-window",
            svg,
            &format!(
                "Exact MSE = bias² + variance of the window mean, summed over the observables, at burn-in B = {} (exact recursion, no sampling){note}.",
                c.burn_in
            ),
        ));
    }
    if !c.by_burn_in.is_empty() {
        let svg = chart(
            "exact estimator error over the burn-in B",
            Axis {
                label: "burn-in B (steps)",
                log: false,
            },
            Axis {
                label: "summed over observables",
                log: true,
            },
            &curves(&c.by_burn_in),
            &[Rule::X(c.burn_in as f64, format!("B = {}", c.burn_in))],
        );
        out.push(figure(
            "mse-burn-in",
            svg,
            &format!(
                "The same at window K = {} as the burn-in grows: the bias decays geometrically in B (like (1 − γ_eff)^B on a reversible kernel) while the variance stays{note}.",
                c.window
            ),
        ));
    }
}

fn variable_figures(vars: &[VariableFigures], out: &mut Vec<String>) {
    if vars.is_empty() {
        return;
    }
    let shown = |v: &&VariableFigures| !v.tau_by_length.is_empty();
    let tl: Vec<Series> = vars
        .iter()
        .filter(shown)
        .take(PALETTE.len())
        .enumerate()
        .map(|(i, v)| Series {
            name: v.name.clone(),
            points: v.tau_by_length.clone(),
            color: PALETTE[i],
            line: true,
            dots: true,
        })
        .collect();
    if !tl.is_empty() {
        let l_max = tl
            .iter()
            .flat_map(|s| s.points.iter().map(|p| p.0))
            .fold(0.0, f64::max);
        let mut series = tl;
        series.push(Series {
            name: "L/5 (self-consistency)".into(),
            points: vec![(l_max / 64.0, l_max / 320.0), (l_max, l_max / 5.0)],
            color: GREY,
            line: true,
            dots: false,
        });
        out.push(figure(
            "tau-by-length",
            chart(
                "τ(L) across the doubling probe",
                Axis { label: "prefix length L (draws per chain)", log: true },
                Axis { label: "τ(L)", log: true },
                &series,
                &[],
            ),
            "τ estimated on the first L draws of every chain, L doubling up to all draws (slowest variables first). E.doubling needs the last doubling to move τ by less than 15 % with L ≥ 5τ, i.e. τ below the grey line τ = L/5; τ still growing with L means the slowest mode was not crossed.",
        ));
    }
    let acfs: Vec<Series> = vars
        .iter()
        .filter(|v| !v.acf.is_empty())
        .take(6)
        .enumerate()
        .map(|(i, v)| Series {
            name: v.name.clone(),
            points: v
                .acf
                .iter()
                .enumerate()
                .map(|(t, r)| (t as f64, *r))
                .collect(),
            color: PALETTE[i],
            line: true,
            dots: false,
        })
        .collect();
    if !acfs.is_empty() {
        out.push(figure(
            "acf",
            chart(
                "autocorrelation functions",
                Axis { label: "lag t", log: false },
                Axis { label: "ρ(t)", log: false },
                &acfs,
                &[Rule::Y(0.0, "0".into())],
            ),
            "The chains' autocovariances averaged and normalised at lag 0 (the ρ that τ = 1 + 2 Σ ρ(t) sums), up to 5τ of each of the slowest variables.",
        ));
    }
    // One chain has nothing to compare its ranks with.
    for (i, v) in vars.iter().filter(|v| v.ranks.len() >= 2).enumerate() {
        let bins = v.ranks[0].len();
        let total: u64 = v.ranks.iter().flatten().sum();
        let expected = total as f64 / (v.ranks.len() * bins) as f64;
        let series: Vec<Series> = v
            .ranks
            .iter()
            .enumerate()
            .map(|(c, counts)| Series {
                name: format!("chain {c}"),
                points: counts
                    .iter()
                    .enumerate()
                    .map(|(b, &k)| ((b as f64 + 0.5) / bins as f64, k as f64))
                    .collect(),
                color: PALETTE[c % PALETTE.len()],
                line: true,
                dots: true,
            })
            .collect();
        let rhat = v.rhat.map_or("undefined".into(), sig);
        out.push(figure_of(
            &format!("ranks-{i}"),
            "ranks",
            Some(&v.name),
            chart(
                &format!("rank histogram per chain: {}", v.name),
                Axis { label: "rank of the pooled draws (fraction)", log: false },
                Axis { label: "draws per bin", log: false },
                &series,
                &[Rule::Y(expected, "uniform".into())],
            ),
            &format!(
                "ArviZ-style rank plot for E.mixing: the pooled draws of `{}` ranked, one histogram per chain. Chains that mix give flat histograms near the uniform line; a chain stuck in one mode gives a ramp. Split R-hat = {rhat}.",
                v.name
            ),
        ));
    }
}

/// The HTML page of an `audit` report.
pub fn audit(r: &AuditReport) -> String {
    let mut figs = Vec::new();
    exact_figures(r, &mut figs);
    if let Some(f) = &r.figures {
        estimator_figures(f, &mut figs);
        variable_figures(&f.variables, &mut figs);
    }
    let subject = if r.subject.kind == "sampled" {
        format!("{} — sampled; kernel {}", r.subject.model, r.subject.kernel)
    } else {
        format!(
            "{} — exact chain on {} states; kernel {}",
            r.subject.model, r.subject.n_states, r.subject.kernel
        )
    };
    let mut body = verdict_table(&r.verdicts, r.subject.n_states, false);
    body += &format!(
        "<section id=\"quantities\">\n<h2>Quantities</h2>\n<pre>{}</pre>\n</section>\n",
        esc(&summary::quantities(&r.quantities))
    );
    if let Some(b) = &r.baseline {
        body += &format!(
            "<section id=\"baseline\">\n<h2>Baseline</h2>\n<pre>{}</pre>\n</section>\n",
            esc(&super::audit::baseline_table(b))
        );
    }
    page(
        &format!("mcmc-audit — {}", r.subject.model),
        &subject,
        &summary::outcome(&r.verdicts, &r.summary),
        &figs,
        &body,
    )
}

/// The HTML page of a `trace` report.
pub fn trace(r: &TraceReport) -> String {
    let mut figs = Vec::new();
    if let Some(f) = &r.figures {
        variable_figures(&f.variables, &mut figs);
    }
    let mut outcome = String::new();
    for w in &r.warnings {
        outcome += &format!("warning: {w}\n");
    }
    outcome += &summary::outcome(&r.verdicts, &r.summary);
    let mut body = String::from(
        "<section id=\"variables\">\n<h2>Variables</h2>\n<table>\n<tr><th>variable</th><th>chains</th><th>draws</th><th>mean</th><th>sd</th><th>ESS bulk</th><th>ESS tail</th><th>R-hat</th><th>τ</th></tr>\n",
    );
    let o = |x: Option<f64>| x.map_or("null".into(), sig);
    for v in &r.variables {
        body += &format!(
            "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>\n",
            esc(&v.name),
            v.n_chains,
            v.n_draws,
            o(v.mean),
            o(v.sd),
            o(v.ess_bulk),
            o(v.ess_tail),
            o(v.rhat),
            o(v.tau)
        );
    }
    body += "</table>\n</section>\n";
    body += &verdict_table(&r.verdicts, 1, true);
    page(
        &format!("mcmc-audit trace — {}", r.file),
        &format!(
            "{} variables (convention: {})",
            r.variables.len(),
            r.convention.as_str()
        ),
        &outcome,
        &figs,
        &body,
    )
}

/// The HTML page of `reproduce exp1|rbm1`: the tracking scatter and the table as text.
pub fn reproduce(r: &ReproduceReport, table: &str) -> String {
    let (lo, hi) = (r.criterion.low, r.criterion.high);
    let split = |tracks: bool| -> Vec<(f64, f64)> {
        r.cells
            .iter()
            .filter(|c| c.tracks_struct_perp == tracks)
            .map(|c| (c.q_op, c.q_struct_perp))
            .collect()
    };
    let all: Vec<f64> = r
        .cells
        .iter()
        .flat_map(|c| [c.q_op, c.q_struct_perp])
        .filter(|x| *x > 0.0 && x.is_finite())
        .collect();
    let (a, b) = (
        all.iter().copied().fold(f64::INFINITY, f64::min),
        all.iter().copied().fold(0.0, f64::max),
    );
    let diag = |f: f64, name: String, color: RGBColor| Series {
        name,
        points: vec![(a, a * f), (b, b * f)],
        color,
        line: true,
        dots: false,
    };
    let tracked = split(true);
    let missed = split(false);
    let mut series = vec![
        diag(1.0, "Q_struct_perp = Q_op".into(), GREY),
        diag(lo, format!("band ×{}", sig(lo)), RGBColor(200, 200, 200)),
        diag(hi, format!("band ×{}", sig(hi)), RGBColor(200, 200, 200)),
    ];
    let (nt, nm) = (tracked.len(), missed.len());
    series.push(Series {
        name: format!("tracks ({nt})"),
        points: tracked,
        color: PALETTE[2],
        line: false,
        dots: true,
    });
    series.push(Series {
        name: format!("misses ({nm})"),
        points: missed,
        color: PALETTE[1],
        line: false,
        dots: true,
    });
    let fig = figure(
        "tracking",
        chart(
            &format!("{}: Q_struct_perp against Q_op", r.experiment),
            Axis {
                label: "Q_op (exact)",
                log: true,
            },
            Axis {
                label: "Q_struct_perp",
                log: true,
            },
            &series,
            &[],
        ),
        &format!(
            "Each dot is one cell (model, size, β, window) of the frozen grid; a predictor tracks Q_op when {} ≤ Q_pred / Q_op ≤ {} (the band, frozen in specs/reproduce.toml before any result).",
            sig(lo),
            sig(hi)
        ),
    );
    let body = format!(
        "<section id=\"table\">\n<h2>Cells</h2>\n<pre>{}</pre>\n</section>\n",
        esc(table)
    );
    page(
        &format!("mcmc-audit reproduce {}", r.experiment),
        &format!("{} cells", r.cells.len()),
        &format!("{nt} of {} cells: Q_struct⊥ tracks Q_op\n", r.cells.len()),
        &[fig],
        &body,
    )
}

/// The HTML page of `compare`: τ per site update of every observable per kernel, and each kernel's
/// gaps, beside the text tables.
pub fn compare(r: &crate::pipeline::compare::CompareReport, table: &str) -> String {
    let mut figs = Vec::new();
    let curves: Vec<Series> = r
        .kernels
        .iter()
        .enumerate()
        .map(|(i, k)| {
            let mut t: Vec<f64> = k.tau.values().map(|c| c.per_site_update).collect();
            t.sort_by(|a, b| b.total_cmp(a));
            Series {
                name: k.name.clone(),
                points: t
                    .iter()
                    .enumerate()
                    .map(|(j, v)| ((j + 1) as f64, *v))
                    .collect(),
                color: PALETTE[i % PALETTE.len()],
                line: true,
                dots: true,
            }
        })
        .collect();
    if curves.iter().any(|s| !s.points.is_empty()) {
        figs.push(figure(
            "tau-by-kernel",
            chart(
                "τ per site update, every observable, per kernel",
                Axis { label: "observable rank (slowest first, per kernel)", log: false },
                Axis { label: "τ per site update", log: false },
                &curves,
                &[],
            ),
            "The exact τ of each observable in site updates (τ per step × the kernel's cost per step), sorted within each kernel: a lower curve mixes faster for the same work, whatever the kernel's step.",
        ));
    }
    let gap = |name: &str,
               i: usize,
               get: fn(&crate::pipeline::compare::KernelRow) -> Option<f64>| Series {
        name: name.into(),
        points: r
            .kernels
            .iter()
            .enumerate()
            .filter_map(|(j, k)| get(k).map(|g| ((j + 1) as f64, g)))
            .collect(),
        color: PALETTE[i],
        line: false,
        dots: true,
    };
    let gaps = [
        gap("pseudo-spectral gap γ_ps", 0, |k| k.pseudo_gap),
        gap("spectral gap γ (reversible)", 1, |k| k.spectral_gap),
    ];
    let names: Vec<String> = r
        .kernels
        .iter()
        .enumerate()
        .map(|(j, k)| format!("{} = {}", j + 1, k.name))
        .collect();
    figs.push(figure(
        "gaps",
        chart_at(
            SeriesLabelPosition::LowerMiddle,
            "gaps per step",
            Axis {
                label: "kernel",
                log: false,
            },
            Axis {
                label: "gap per step",
                log: true,
            },
            &gaps,
            &[],
        ),
        &format!(
            "γ_ps is defined for every kernel, γ only for reversible ones. Kernels: {}.",
            names.join(", ")
        ),
    ));
    let body = format!(
        "<section id=\"table\">\n<h2>Kernels</h2>\n<pre>{}</pre>\n</section>\n",
        esc(table)
    );
    let failing = r
        .kernels
        .iter()
        .filter(|k| k.report.exit_code() != 0)
        .map(|k| {
            format!(
                "{}: {}",
                k.name,
                super::summary::outcome(&k.report.verdicts, &k.report.summary)
            )
        })
        .collect::<Vec<_>>()
        .join("");
    page(
        &format!("mcmc-audit compare — {}", r.model),
        &format!(
            "{} kernels of one model ({} states)",
            r.kernels.len(),
            r.n_states
        ),
        if failing.is_empty() {
            "every kernel's audit passes\n"
        } else {
            &failing
        },
        &figs,
        &body,
    )
}
