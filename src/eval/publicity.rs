//! Which resource-policy documents of a graph are public by S3's definition
//! ([`crate::publicity`]), statement by statement.

use crate::eval::graph::{Graph, Layer};
use crate::publicity::{PolicyOn, StatementVerdict, classify_statement};

/// The publicity of one resource-policy document of a graph.
#[derive(Debug, Clone)]
pub struct DocumentPublicity {
    /// The document.
    pub doc: usize,
    /// One verdict per Allow statement, with the graph statement id.
    pub statements: Vec<(usize, StatementVerdict)>,
}

impl DocumentPublicity {
    /// Whether some Allow statement is public.
    pub fn is_public(&self) -> bool {
        self.statements.iter().any(|(_, v)| v.public)
    }

    /// The public statements.
    pub fn public_statements(&self) -> impl Iterator<Item = &(usize, StatementVerdict)> {
        self.statements.iter().filter(|(_, v)| v.public)
    }
}

/// Classifies every Allow statement of document `doc`. Documents of identity-side layers are
/// never public (they grant to their principal only).
pub fn document_publicity(graph: &Graph, doc: usize) -> DocumentPublicity {
    let mut out = DocumentPublicity {
        doc,
        statements: Vec::new(),
    };
    let Some(d) = graph.documents.get(doc) else {
        return out;
    };
    let on = match d.layer {
        Layer::Bucket => PolicyOn::Bucket,
        Layer::AccessPoint => PolicyOn::AccessPoint,
        _ => return out,
    };
    for id in graph.statements_of(doc) {
        let Some((_, st)) = graph.statements.get(id).and_then(|s| graph.written(s)) else {
            continue;
        };
        if let Some(v) = classify_statement(st, on) {
            out.statements.push((id, v));
        }
    }
    out
}
