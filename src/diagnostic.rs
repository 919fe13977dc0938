//! Findings: what the checks report, each tied to a code and a place in the source.

use crate::registry::{Code, Severity};
use crate::source::Span;

/// The most findings reported for one file. A hostile file can hold millions of mistakes
/// (a key repeated ten million times fits the size limit) and each finding costs memory; past
/// this many the rest are dropped and one input-limit error says so, so the file never looks
/// cleaner than it is.
pub const MAX_FINDINGS: usize = 10_000;

/// One finding about one place in a file.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// The stable code.
    pub code: Code,
    /// The severity (the code's default unless configured otherwise).
    pub severity: Severity,
    /// One line, lowercase, no final period; user input in backticks.
    pub message: String,
    /// The offending token.
    pub span: Span,
    /// Advice on how to fix it, if any.
    pub help: Option<String>,
    /// Other places that explain the finding (e.g. the first of two duplicate keys).
    pub related: Vec<Related>,
    /// A concrete request behind an access claim, replayed through the evaluator (boxed: most
    /// findings have none, and findings travel in `Result`s).
    pub witness: Option<Box<Witness>>,
}

/// A request that proves an access claim: who, which action, on what, with which context
/// keys (the others as a request of that kind carries them by default).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Witness {
    /// The caller: `anonymous`, an ARN, or a service principal.
    pub principal: String,
    /// The action, e.g. `s3:GetObject`.
    pub action: String,
    /// The resource ARN.
    pub resource: String,
    /// The context keys the request sets, with their values.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub context: Vec<WitnessKey>,
}

/// One context key of a witness.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct WitnessKey {
    /// The key.
    pub key: String,
    /// Its values.
    pub values: Vec<String>,
}

impl std::fmt::Display for Witness {
    /// `anonymous s3:GetObject on arn:aws:s3:::b/k with aws:SecureTransport=false`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {} on {}", self.principal, self.action, self.resource)?;
        for (i, k) in self.context.iter().enumerate() {
            let sep = if i == 0 { " with " } else { " " };
            write!(f, "{sep}{}={}", k.key, k.values.join(","))?;
        }
        Ok(())
    }
}

/// A secondary location of a finding.
#[derive(Debug, Clone, PartialEq)]
pub struct Related {
    /// Where.
    pub span: Span,
    /// What it is.
    pub message: String,
}

impl Finding {
    /// A finding with the code's default severity. Messages quote user input; a huge input
    /// (a 10 MB string) is shortened so output stays readable.
    pub fn new(code: Code, span: Span, message: impl Into<String>) -> Finding {
        Finding {
            code,
            severity: code.severity(),
            message: shorten(message.into()),
            span,
            help: None,
            related: Vec::new(),
            witness: None,
        }
    }

    /// Adds advice.
    pub fn with_help(mut self, help: impl Into<String>) -> Finding {
        self.help = Some(shorten(help.into()));
        self
    }

    /// Adds a related location.
    pub fn with_related(mut self, span: Span, message: impl Into<String>) -> Finding {
        self.related.push(Related {
            span,
            message: message.into(),
        });
        self
    }

    /// Adds the request that proves the finding's claim.
    pub fn with_witness(mut self, witness: Witness) -> Finding {
        self.witness = Some(Box::new(witness));
        self
    }

    /// Overrides the severity.
    pub fn with_severity(mut self, severity: Severity) -> Finding {
        self.severity = severity;
        self
    }
}

/// The longest message kept whole, in bytes.
const MAX_MESSAGE: usize = 400;

/// Cuts a message longer than [`MAX_MESSAGE`] at a character boundary and marks the cut.
fn shorten(mut message: String) -> String {
    if message.len() > MAX_MESSAGE {
        let mut cut = MAX_MESSAGE;
        while !message.is_char_boundary(cut) {
            cut -= 1;
        }
        message.truncate(cut);
        message.push_str("… (shortened)");
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn huge_messages_are_shortened_at_a_character_boundary() {
        let f = Finding::new(Code::UnknownAction, Span::default(), "é".repeat(1_000));
        assert!(f.message.len() < 450);
        assert!(f.message.ends_with("… (shortened)"));
        let short = Finding::new(Code::UnknownAction, Span::default(), "short");
        assert_eq!(short.message, "short");
    }
}
