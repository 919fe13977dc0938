//! Access points open to the Internet. AWS rule: an access point with a VPC network origin
//! takes requests only from that VPC (S3 "Creating access points restricted to a virtual
//! private cloud"); an Internet one takes them from anywhere its policies allow.

use super::push;
use crate::audit::Audited;
use crate::aws_docs::NetworkOrigin;
use crate::aws_docs::folder::{BucketFolder, Setting};
use crate::diagnostic::Finding;
use crate::registry::Code;

// rule: S511
/// Each access point of the folder whose network origin is the Internet.
pub(super) fn check(folder: &BucketFolder, out: &mut Vec<Audited>) {
    let Some(aps) = &folder.access_points else {
        return;
    };
    for ap in aps {
        let Setting::Present(l) = &ap.access_point else {
            continue;
        };
        if l.doc.network_origin != NetworkOrigin::Internet {
            continue;
        }
        let span = l.root.get("NetworkOrigin").map_or(l.doc.span, |v| v.span);
        push(
            out,
            &l.source,
            Finding::new(
                Code::AccessPointInternetOrigin,
                span,
                format!(
                    "access point `{}` takes requests from the Internet, not only from a VPC",
                    l.doc.name.value
                ),
            )
            .with_help(
                "create access points with a VPC network origin where the data is used from a VPC",
            ),
        );
    }
}
