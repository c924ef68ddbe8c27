//! Properties of the trace diagnostics: no input panics (any shape, constants, non-finite values,
//! arbitrary CSV text), undefined statistics always carry a reason, and rank-based statistics are
//! invariant under strictly increasing transformations.

use mcmc_audit::diagnostics::ess::Prepared;
use mcmc_audit::diagnostics::{Convention, Draws};
use mcmc_audit::io::trace::parse_csv;
use mcmc_audit::pipeline::trace::{TraceOptions, summarise};
use proptest::prelude::*;

fn value() -> impl Strategy<Value = f64> {
    prop_oneof![
        8 => -1e3f64..1e3,
        1 => Just(0.0),
        1 => Just(1.0),
        1 => prop::sample::select(vec![f64::NAN, f64::INFINITY, f64::NEG_INFINITY, 1e300, -1e-300]),
    ]
}

fn draws() -> impl Strategy<Value = Draws> {
    (1usize..4, 0usize..40).prop_flat_map(|(m, n)| {
        prop::collection::vec(value(), m * n).prop_map(move |d| Draws::new(m, n, d).unwrap())
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn summaries_never_panic_and_nulls_have_reasons(d in draws(), arviz in any::<bool>()) {
        let opts = TraceOptions {
            convention: if arviz { Convention::Arviz } else { Convention::Posterior },
            ..Default::default()
        };
        let (s, _) = summarise("v", &d, &opts);
        let j = serde_json::to_value(&s).unwrap();
        for f in [
            "mean", "sd", "ess_bulk", "ess_tail", "ess_mean", "ess_sd", "rhat", "mcse_mean", "mcse_sd",
            "mcse_median", "tau",
        ] {
            if j[f].is_null() {
                prop_assert!(s.undefined.contains_key(f), "{f} null without a reason");
            } else {
                prop_assert!(j[f].as_f64().unwrap().is_finite());
            }
        }
    }

    #[test]
    fn rank_statistics_are_invariant_under_increasing_maps(
        d in (1usize..4, 8usize..60).prop_flat_map(|(m, n)| {
            prop::collection::vec(-5.0f64..5.0, m * n).prop_map(move |v| Draws::new(m, n, v).unwrap())
        })
    ) {
        let e = Draws::new(d.chains, d.draws, d.data.iter().map(|v| v.exp()).collect()).unwrap();
        for c in [Convention::Posterior, Convention::Arviz] {
            let (a, b) = (Prepared::new(&d, c), Prepared::new(&e, c));
            prop_assert_eq!(a.ess_bulk(), b.ess_bulk());
            // Tail ESS thresholds draws at an *interpolated* quantile. Under the ArviZ convention
            // (scipy's mquantiles positions) the interpolation weight can sit within rounding of 1,
            // so the threshold rounds onto the next draw under one map and not under the other: the
            // saved regression case (41 draws, p = 0.95) gives 51.0 vs 53.7. That is a property of the
            // peer's formula in floating point, not of the ranks; posterior's type-7 positions
            // (n − 1)p for p = 0.05, 0.95 do not hit the edge, so the invariance is asserted there.
            if c == Convention::Posterior {
                prop_assert_eq!(a.ess_tail(), b.ess_tail());
            }
        }
    }

    #[test]
    fn csv_parser_never_panics(text in "[a-z0-9,.\"\\n -]{0,200}") {
        let _ = parse_csv(&text, "fuzz.csv");
    }
}

/// A UTF-8 byte-order mark (spreadsheet exports) is skipped: the `chain` column is still recognised,
/// so two chains stay two chains and the mark does not become a variable.
#[test]
fn a_csv_byte_order_mark_is_not_part_of_the_header() {
    let plain = "chain,x\n0,1.0\n0,2.0\n0,1.5\n1,1.0\n1,0.5\n1,1.2\n";
    let marked = format!("\u{feff}{plain}");
    let (a, b) = (
        parse_csv(plain, "plain.csv").unwrap(),
        parse_csv(&marked, "marked.csv").unwrap(),
    );
    assert_eq!(b.len(), 1);
    assert_eq!(b[0].name, "x");
    assert_eq!(b[0].draws.chains, 2);
    assert_eq!(a[0].draws.data, b[0].draws.data);
}

/// A pandas export (`df.to_csv()`: an unnamed row-index column, then `chain`, `draw` and the
/// variables) reads as its variables only: the index and `draw` columns are labels (issue 14
/// item 6; they used to become variables or an "empty name" error).
#[test]
fn pandas_index_and_draw_columns_are_labels() {
    let pandas =
        ",chain,draw,x\n0,0,0,1.0\n1,0,1,2.0\n2,0,2,1.5\n3,1,0,1.0\n4,1,1,0.5\n5,1,2,1.2\n";
    let plain = "chain,x\n0,1.0\n0,2.0\n0,1.5\n1,1.0\n1,0.5\n1,1.2\n";
    let (a, b) = (
        parse_csv(pandas, "pandas.csv").unwrap(),
        parse_csv(plain, "plain.csv").unwrap(),
    );
    assert_eq!(a.len(), 1);
    assert_eq!(a[0].name, "x");
    assert_eq!(a[0].draws.chains, 2);
    assert_eq!(a[0].draws.data, b[0].draws.data);
    // An unnamed column elsewhere is still an error naming it.
    assert!(parse_csv("chain,,x\n0,1,2\n", "gap.csv").is_err());
}
