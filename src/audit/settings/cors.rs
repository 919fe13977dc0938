//! CORS: a rule that lets any web origin send write requests turns every visitor's browser
//! into a client of the bucket (S3 "Using cross-origin resource sharing (CORS)").

use super::push;
use crate::audit::Audited;
use crate::aws_docs::folder::{BucketFolder, Setting};
use crate::aws_docs::settings::CorsMethod;
use crate::diagnostic::Finding;
use crate::registry::Code;

// rule: S509
/// Each CORS rule that allows origin `*` with PUT, POST or DELETE.
pub(super) fn check(folder: &BucketFolder, out: &mut Vec<Audited>) {
    let Setting::Present(l) = &folder.cors else {
        return;
    };
    for r in &l.doc.rules {
        let any = r.allowed_origins.iter().find(|o| o.value == "*");
        let writes: Vec<&str> = r
            .allowed_methods
            .iter()
            .filter_map(|m| match m {
                CorsMethod::Put => Some("PUT"),
                CorsMethod::Post => Some("POST"),
                CorsMethod::Delete => Some("DELETE"),
                _ => None,
            })
            .collect();
        if let (Some(o), false) = (any, writes.is_empty()) {
            push(
                out,
                &l.source,
                Finding::new(
                    Code::CorsAnyOriginWrite,
                    o.span,
                    format!(
                        "a CORS rule lets scripts on any web site send {} requests to the bucket from visitors' browsers",
                        writes.join(", ")
                    ),
                )
                .with_help("list the origins that need write access, e.g. https://app.example.com"),
            );
        }
    }
}
