//! Multi-Region Access Points in the bucket model: each one routing to the bucket becomes an
//! access point of the graph (its policy a policy of the access point layer, its Block Public
//! Access a level of its own), so every stage of `decide` treats it as the access point it is.
//! Requests name it by its alias: `arn:aws:s3::ACCOUNT:accesspoint/ALIAS.mrap/object/KEY`
//! (S3 "Making requests through a Multi-Region Access Point").

use crate::arn::Arn;
use crate::aws_docs::NetworkOrigin;
use crate::aws_docs::folder::{MultiRegionFolder, Setting};
use crate::eval::bucket::BucketModel;
use crate::eval::graph::{Graph, Layer};
use crate::eval::s3_facts::{AccessPointFacts, AccessPointKind, BpaLevel, BpaSetting, Place};
use crate::json::Value;
use crate::load::FileReport;
use crate::source::Span;

impl BucketModel {
    /// Adds a Multi-Region Access Point (its description and policy). Its owner is the account
    /// its policy's resources name (`arn:aws:s3::ACCOUNT:accesspoint/ALIAS`), else the bucket
    /// owner: the CLI output does not say.
    pub fn add_multi_region(&mut self, m: &MultiRegionFolder) -> Result<(), Vec<FileReport>> {
        let Setting::Present(l) = &m.access_point else {
            // Without its description the alias its requests use is not known: nothing can
            // be routed through it (the path stays unknown in `public`).
            return Ok(());
        };
        let index = self.graph.s3.access_points.len();
        let d = &l.doc;
        let description = crate::aws_docs::multi_region::description(&l.root);
        self.graph.s3.access_points.push(AccessPointFacts {
            name: d.alias.value.clone(),
            kind: AccessPointKind::MultiRegion {
                name: d.name.value.clone(),
            },
            account: self.owner.clone().unwrap_or_default(),
            // Its ARN has no region.
            region: Some(String::new()),
            bucket: self.name.clone(),
            // No network origin: it is reached over the Internet or an interface endpoint.
            network: NetworkOrigin::Internet,
            bpa: d.public_access_block.map(|flags| {
                BpaSetting::from_file(
                    flags,
                    BpaLevel::MultiRegionAccessPoint,
                    l.source.clone(),
                    description,
                )
            }),
            place: Some(Place {
                source: l.source.clone(),
                span: d.span,
            }),
            pending: None,
            policy_known: !m.policy.is_unknown(),
        });
        if let Setting::Present(p) = &m.policy {
            if let Some(span) = pending_policy(&p.root)
                && let Some(ap) = self.graph.s3.access_points.get_mut(index)
            {
                ap.pending = Some(Place {
                    source: p.source.clone(),
                    span,
                });
            }
            self.add_policy(&p.source, &p.root, Layer::AccessPoint, index)
                .map_err(|e| vec![e])?;
            if let Some(account) = owner_named(&self.graph, index, &d.alias.value)
                && let Some(ap) = self.graph.s3.access_points.get_mut(index)
            {
                ap.account = account;
            }
        }
        Ok(())
    }
}

/// The span of the proposed policy of `get-multi-region-access-point-policy` output when it
/// differs from the established one: S3 applies policy changes asynchronously, so the
/// established policy is in force until the proposed one replaces it (S3 API
/// GetMultiRegionAccessPointPolicy, `Established` and `Proposed`).
fn pending_policy(root: &Value) -> Option<Span> {
    let policy = root.get("Policy")?;
    let text = |k: &str| {
        policy
            .get(k)?
            .get("Policy")
            .filter(|v| v.as_str().is_some())
    };
    let proposed = text("Proposed")?;
    match text("Established") {
        Some(established) if established.as_str() == proposed.as_str() => None,
        _ => Some(proposed.span),
    }
}

/// The account the policy of access point `index` names as the owner of `alias`.
fn owner_named(graph: &Graph, index: usize, alias: &str) -> Option<String> {
    graph
        .documents_of(Layer::AccessPoint)
        .filter(|(_, d)| d.level == index)
        .flat_map(|(_, d)| d.policy.statements.iter())
        .flat_map(|st| st.resource.iter().flat_map(|r| r.items.iter()))
        .find_map(|r| {
            let arn = Arn::split(&r.value)?;
            let rest = arn.resource.strip_prefix("accesspoint/")?;
            let named = rest.split('/').next()? == alias;
            (named && arn.region.is_empty() && crate::arn::is_account_id(arn.account))
                .then(|| arn.account.to_string())
        })
}
