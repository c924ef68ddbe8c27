//! Claim-status tags (docs/science.md §8) as a closed enum.
//!
//! `validated` — "an operational claim validated empirically" — is conferred **only by the researcher,
//! never by code**. It is therefore not a variant of [`Tag`], cannot be registered as an outcome token
//! ([`OutcomeToken::new`] rejects it), and parsing a ledger that uses it is an error: there is no value
//! of any type in this module that renders as `validated`.

use serde::{Serialize, Serializer};

/// The word no code may assign.
pub const RESERVED_VALIDATED: &str = "validated";

/// A registered outcome token (data in `specs/claims.toml`, `[[outcome_token]]`).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct OutcomeToken(String);

impl OutcomeToken {
    /// A token, refused when empty or when it contains the reserved word `validated`.
    ///
    /// # Errors
    ///
    /// A message when the trimmed token is empty or contains `validated` in any case.
    pub fn new(token: &str) -> Result<Self, String> {
        let t = token.trim();
        if t.is_empty() {
            return Err("an outcome token must not be empty".into());
        }
        if t.to_ascii_lowercase().contains(RESERVED_VALIDATED) {
            return Err(format!(
                "`{t}`: `validated` is conferred only by the researcher, never registered or assigned by this tool"
            ));
        }
        Ok(OutcomeToken(t.to_string()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A claim's status tag.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Tag {
    /// Standard theory or a written proof.
    Solid,
    /// Stated, not proven or validated.
    Conjectured,
    /// Proven by the programme itself.
    ProvenHere,
    /// A conjectured claim shown wrong as written and replaced (see `superseded_by`).
    Superseded,
    /// A run that reports numbers but issues no verdict and moves no tag.
    MeasureOnly,
    /// A withdrawn reading, kept and marked, with what still stands.
    Withdrawn,
    /// A registered outcome token.
    Outcome(OutcomeToken),
    /// The source states no tag ("—" in its table).
    Untagged,
}

impl Tag {
    /// Parses the `tag` field; `outcome` is the claim's registered token (required for `outcome`).
    ///
    /// # Errors
    ///
    /// A message for an unknown word, for `validated` (in any case), and for `outcome` without a
    /// token.
    pub fn parse(word: &str, outcome: Option<&OutcomeToken>) -> Result<Self, String> {
        Ok(match word {
            "solid" => Tag::Solid,
            "conjectured" => Tag::Conjectured,
            "proven-here" => Tag::ProvenHere,
            "superseded" => Tag::Superseded,
            "MEASURE-ONLY" => Tag::MeasureOnly,
            "withdrawn" => Tag::Withdrawn,
            "untagged" => Tag::Untagged,
            "outcome" => Tag::Outcome(
                outcome
                    .cloned()
                    .ok_or("tag `outcome` needs an `outcome` token")?,
            ),
            w if w.eq_ignore_ascii_case(RESERVED_VALIDATED) => {
                return Err(
                    "tag `validated` is conferred only by the researcher, never recorded or assigned by this tool"
                        .into(),
                );
            }
            w => {
                return Err(format!(
                    "unknown tag `{w}` (solid | conjectured | proven-here | superseded | MEASURE-ONLY | withdrawn | outcome | untagged)"
                ));
            }
        })
    }

    /// The tag as reported: the §8 word, or the outcome token itself.
    pub fn as_str(&self) -> &str {
        match self {
            Tag::Solid => "solid",
            Tag::Conjectured => "conjectured",
            Tag::ProvenHere => "proven-here",
            Tag::Superseded => "superseded",
            Tag::MeasureOnly => "MEASURE-ONLY",
            Tag::Withdrawn => "withdrawn",
            Tag::Outcome(t) => t.as_str(),
            Tag::Untagged => "untagged",
        }
    }

    /// The fixed (non-outcome) tags, for exhaustive tests.
    pub const FIXED: [Tag; 7] = [
        Tag::Solid,
        Tag::Conjectured,
        Tag::ProvenHere,
        Tag::Superseded,
        Tag::MeasureOnly,
        Tag::Withdrawn,
        Tag::Untagged,
    ];
}

impl Serialize for Tag {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}
