//! A request through an S3 Object Lambda access point: the combined answer, then each leg
//! rendered like a query of its own (layers, determining statements with file:line:col,
//! context, trace) on the graph it was decided on.

use super::Style;
use super::escape_text;
use super::query::{human, json, verdict};
use crate::eval::object_lambda::ObjectLambdaDecision;
use crate::eval::{Graph, Request};

/// The human rendering: the combined decision, which leg denied, the notes, then each leg.
pub fn object_lambda_human(
    main: &Graph,
    request: &Request,
    d: &ObjectLambdaDecision,
    style: Style,
) -> String {
    let combined = d.response();
    let mut out = verdict(main, &combined, request);
    let mut notes = format!(
        "note: through {}: {} legs, each decided below; the request is allowed only when every leg allows\n",
        d.label,
        d.legs.len()
    );
    for n in &d.notes {
        notes.push_str(&format!("note: {n}\n"));
    }
    out.push_str(&escape_text(&notes));
    for (i, leg) in d.legs.iter().enumerate() {
        let head = format!(
            "\nleg {} of {}: {} ({})\n\n",
            i + 1,
            d.legs.len(),
            leg.kind.as_str(),
            leg.response.decision.as_str()
        );
        out.push_str(&escape_text(&head));
        out.push_str(&human(
            d.graph_of(leg, main),
            &leg.response,
            &leg.request,
            style,
        ));
    }
    out
}

/// The JSON document: the combined answer and each leg as `query --format json` gives it.
pub fn object_lambda_json(
    main: &Graph,
    request: &Request,
    d: &ObjectLambdaDecision,
) -> serde_json::Value {
    let combined = d.response();
    let legs: Vec<serde_json::Value> = d
        .legs
        .iter()
        .map(|leg| {
            let mut v = json(d.graph_of(leg, main), &leg.response, &leg.request);
            if let Some(o) = v.as_object_mut() {
                o.insert(
                    "leg".into(),
                    serde_json::to_value(leg.kind).unwrap_or_default(),
                );
            }
            v
        })
        .collect();
    let uncertain: Vec<&str> = combined
        .uncertain
        .iter()
        .map(|u| u.reason.as_str())
        .collect();
    serde_json::json!({
        "decision": combined.decision.as_str(),
        "principal": request.caller.to_string(),
        "action": request.action,
        "resource": request.resource,
        "object_lambda_access_point": d.label,
        "denied_by": d.denied_by,
        "uncertain": uncertain,
        "notes": d.notes,
        "legs": legs,
    })
}
