//! Terraform configuration (`.tf`) read into the shared IaC model.
//!
//! Terraform's unit is the module directory: variables, locals and resources declared in one
//! file are used in another. [`read_module`] therefore reads a directory's `.tf` files
//! together and returns one [`Extracted`] per file, each holding what is located in that
//! file; local child modules (`source = "./..."`) are read through the caller's
//! [`ModuleReader`] and give further [`Extracted`]s with `module.NAME.` addresses. A value
//! that travels from one file into another (a variable default, a local, a module input) is
//! located at the expression that brought it in, so every span stays inside its own file.
//!
//! Unknowns: a value not known offline is registered as an [`Unknown`] at the expression and
//! appears inside a policy as the placeholder `${iac:unknown-N}` ([`value::placeholder`]),
//! `N` indexing that file's [`Extracted::unknowns`]; [`unknowns_in`] lists the unknowns a
//! document depends on. A whole policy not known offline is listed in the unknowns with
//! `why` naming the resource, never dropped silently. docs/iac.md explains the model.

mod document;
mod eval;
mod extract;
mod functions;
mod grants;
mod iam;
mod json_syntax;
mod module;
pub mod plan;
pub mod value;

use crate::aws_docs::folder::names;
use crate::diagnostic::Finding;
use crate::iac::{Attachment, Extracted, Format, IacBucket, Unknown};
use crate::json::{Kind, Value};
use crate::registry::Code;
use crate::source::{SourceFile, Span};
use module::{File, Module, Shared};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::rc::Rc;

/// The largest `.tf` file read, in bytes. Real configuration files are kilobytes.
pub const MAX_TF_BYTES: usize = 8 * 1024 * 1024;

/// Where module files come from, so callers can confine reads (a containment check) or serve
/// them from memory (tests, a git revision).
pub trait ModuleReader {
    /// The `.tf` files of directory `dir`, sorted.
    fn tf_files(&self, dir: &Path) -> Result<Vec<PathBuf>, String>;
    /// The text of `path`.
    fn read(&self, path: &Path) -> Result<String, String>;
}

/// Reads modules from the file system, files up to [`MAX_TF_BYTES`].
#[derive(Debug, Clone, Copy, Default)]
pub struct FsReader;

impl ModuleReader for FsReader {
    fn tf_files(&self, dir: &Path) -> Result<Vec<PathBuf>, String> {
        let rd = std::fs::read_dir(dir).map_err(|e| e.to_string())?;
        let mut out: Vec<PathBuf> = rd
            .filter_map(Result::ok)
            .map(|e| e.path())
            // Terraform reads `.tf` and `.tf.json` files of a directory as one module.
            .filter(|p| {
                crate::iac::recognise::by_name(p) == crate::iac::recognise::ByName::Terraform
                    && p.is_file()
            })
            .collect();
        out.sort();
        Ok(out)
    }

    fn read(&self, path: &Path) -> Result<String, String> {
        let meta = std::fs::metadata(path).map_err(|e| e.to_string())?;
        if meta.len() > MAX_TF_BYTES as u64 {
            return Err(format!("larger than {} MB", MAX_TF_BYTES >> 20));
        }
        std::fs::read_to_string(path).map_err(|e| e.to_string())
    }
}

/// The variable files Terraform loads by itself from module directory `dir`:
/// `terraform.tfvars`, `terraform.tfvars.json`, then `*.auto.tfvars` and `*.auto.tfvars.json`
/// in name order (Terraform docs, "Variable Definition Precedence"); `-var-file`s come after
/// them.
pub fn autoload_var_files(dir: &Path) -> Vec<PathBuf> {
    let listed = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    let mut out: Vec<PathBuf> = std::fs::read_dir(listed)
        .map(|rd| {
            rd.filter_map(Result::ok)
                .filter(|e| {
                    e.file_name().to_str().is_some_and(|n| {
                        n == "terraform.tfvars"
                            || n == "terraform.tfvars.json"
                            || n.ends_with(".auto.tfvars")
                            || n.ends_with(".auto.tfvars.json")
                    })
                })
                .map(|e| dir.join(e.file_name()))
                .filter(|p| p.is_file())
                .collect()
        })
        .unwrap_or_default();
    let rank = |p: &Path| {
        if p.ends_with("terraform.tfvars") {
            0
        } else if p.ends_with("terraform.tfvars.json") {
            1
        } else {
            2
        }
    };
    out.sort_by_key(|p| (rank(p), p.clone()));
    out
}

/// Module directories and `file()` arguments, read only inside the run's root (the paths
/// given and `--root`): a module `source` or `file("../../..")` committed in a pull request
/// must not read the machine that runs the check (docs/security.md).
pub struct Contained {
    /// What may be read.
    pub root: crate::contain::Root,
}

impl Contained {
    fn check(&self, path: &Path) -> Result<(), String> {
        if self.root.contains(path) {
            Ok(())
        } else {
            Err(format!(
                "`{}` is outside the paths given on the command line (`--root DIR` widens them)",
                path.display()
            ))
        }
    }
}

impl ModuleReader for Contained {
    fn tf_files(&self, dir: &Path) -> Result<Vec<PathBuf>, String> {
        self.check(dir)?;
        FsReader.tf_files(dir)
    }

    fn read(&self, path: &Path) -> Result<String, String> {
        self.check(path)?;
        let file = std::fs::File::open(path).map_err(|e| e.to_string())?;
        crate::contain::check_real_file(&file).map_err(|e| e.to_string())?;
        FsReader.read(path)
    }
}

/// One module directory read: one [`Extracted`] per file (root files first, then child
/// modules' files that declare something), and account-level settings.
#[derive(Debug, Clone)]
pub struct ModuleRead {
    /// Per file.
    pub files: Vec<Extracted>,
    /// Account-level settings (`aws_s3_account_public_access_block`): index into `files`,
    /// resource address, bucket-folder file name, value (spans in that file).
    pub account: Vec<(usize, String, &'static str, Value)>,
}

/// Reads the module in `dir` from its `files` (the `.tf` files, already read by the caller)
/// with variable values from `tfvars` (`*.tfvars` files, later ones win), following local
/// module calls through `reader`.
pub fn read_module(
    dir: &Path,
    files: Vec<SourceFile>,
    tfvars: &[SourceFile],
    reader: Rc<dyn ModuleReader>,
) -> ModuleRead {
    let shared = Shared::new();
    let parsed = files.into_iter().map(parse_file).collect();
    let mut root = Module::new(
        parsed,
        dir.to_path_buf(),
        String::new(),
        Vec::new(),
        shared.clone(),
        reader,
    );
    let errors = root.apply_tfvars(tfvars);
    let mut out = ModuleRead {
        files: Vec::new(),
        account: Vec::new(),
    };
    collect(&root, &mut out, true);
    // A variable file that cannot be read is a located error, never silently ignored.
    for (source, f) in errors {
        let mut e = empty(source, Format::Terraform);
        e.findings.push(f);
        out.files.push(e);
    }
    out
}

/// Reads one `.tf` file as a module of its own (no local modules are followed).
pub fn read_file(source: SourceFile) -> Extracted {
    let dir = Path::new(source.name())
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let read = read_module(&dir, vec![source.clone()], &[], Rc::new(NoModules));
    read.files
        .into_iter()
        .next()
        .unwrap_or_else(|| empty(source, Format::Terraform))
}

/// A reader that reads nothing (modules and `file()` stay unknown).
#[derive(Debug, Clone, Copy)]
pub struct NoModules;

impl ModuleReader for NoModules {
    fn tf_files(&self, _: &Path) -> Result<Vec<PathBuf>, String> {
        Err("local modules are not read here".into())
    }
    fn read(&self, _: &Path) -> Result<String, String> {
        Err("files are not read here".into())
    }
}

/// An empty extraction of `source`.
pub fn empty(source: SourceFile, format: Format) -> Extracted {
    Extracted {
        source,
        format,
        policies: Vec::new(),
        buckets: Vec::new(),
        unknowns: Vec::new(),
        findings: Vec::new(),
        iam: crate::iac::Iam::default(),
        access_points: Vec::new(),
    }
}

/// Parses one file; a syntax error or an oversized file becomes a located finding. A
/// `.tf.json` file is read as the native text it stands for ([`json_syntax`]).
fn parse_file(source: SourceFile) -> File {
    let text = source.text();
    let failed = |source: SourceFile, f: Finding| File {
        source,
        body: None,
        error: Some(f),
        map: None,
    };
    if text.len() > MAX_TF_BYTES {
        let f = Finding::new(
            Code::InputLimit,
            Span::new(0, 0),
            format!(
                "the file is larger than {} MB and is not read",
                MAX_TF_BYTES >> 20
            ),
        );
        return failed(source, f);
    }
    if is_json_syntax(source.name()) {
        let json = match crate::json::parse(text) {
            Ok(v) => v,
            Err(e) => {
                let f = crate::load::json_error(&e, None);
                return failed(source, f);
            }
        };
        let map = json_syntax::convert(&json, text);
        return match hcl_edit::parser::parse_body(&map.text) {
            Ok(body) => File {
                source,
                body: Some(body),
                error: None,
                map: Some(Rc::new(map)),
            },
            Err(e) => {
                // A template the native syntax rejects (`"${"` never closed): located at the
                // JSON string it came from.
                let at = line_col_offset(&map.text, e.location().line(), e.location().column());
                let at = map.to_source(u32::try_from(at).unwrap_or(u32::MAX)) as usize;
                let msg = e.message().lines().next().unwrap_or("").trim().to_string();
                let f = Finding::new(
                    Code::TerraformSyntax,
                    Span::new(at, (at + 1).min(text.len())),
                    format!("not a valid Terraform expression in JSON syntax: {msg}"),
                );
                failed(source, f)
            }
        };
    }
    match hcl_edit::parser::parse_body(text) {
        Ok(body) => File {
            source,
            body: Some(body),
            error: None,
            map: None,
        },
        Err(e) => {
            let at = line_col_offset(text, e.location().line(), e.location().column());
            let msg = e.message().lines().next().unwrap_or("").trim().to_string();
            // rule: E015
            let f = Finding::new(
                Code::TerraformSyntax,
                Span::new(at, (at + 1).min(text.len())),
                format!("not valid HCL: {msg}"),
            );
            failed(source, f)
        }
    }
}

/// Whether `name` is a Terraform JSON syntax file (`.tf.json`, any case).
pub fn is_json_syntax(name: &str) -> bool {
    name.to_ascii_lowercase().ends_with(".tf.json")
}

/// The byte offset of 1-based `line` and `column` (in characters).
fn line_col_offset(text: &str, line: usize, column: usize) -> usize {
    let start: usize = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum();
    let rest = text.get(start..).unwrap_or("");
    let col = rest
        .char_indices()
        .nth(column.saturating_sub(1))
        .map(|(i, _)| i)
        .unwrap_or(rest.len());
    (start + col).min(text.len())
}

/// Extracts `m` and its children into `out`.
fn collect(m: &Module, out: &mut ModuleRead, root: bool) {
    let found = m.extract();
    // Loading the children reports their problems (a cycle, an unreadable directory) here.
    let mut children = Vec::new();
    for decl in m.decls.iter().filter(|d| d.rtype == "module") {
        for inst in m.instances(decl).iter() {
            children.extend(m.child(decl, inst));
        }
    }
    let base = out.files.len();
    let mut files: Vec<Extracted> = m
        .files
        .iter()
        .map(|f| {
            let mut e = empty(f.source.clone(), Format::Terraform);
            e.findings.extend(f.error.clone());
            e
        })
        .collect();
    let mut renumber: Vec<HashMap<usize, usize>> = vec![HashMap::new(); files.len()];
    // Unknowns created in each file, in order.
    for (id, (uid, file, expr, span, why)) in m.shared.unknowns.borrow().iter().enumerate() {
        if *uid == m.uid
            && let Some(e) = files.get_mut(*file)
        {
            renumber[*file].insert(id, e.unknowns.len());
            e.unknowns.push(Unknown {
                expression: expr.clone(),
                span: *span,
                why: why.clone(),
            });
        }
    }
    let buckets = group_buckets(m, &found);
    for (file, p) in found.policies {
        let mut p = p;
        if let Some(e) = files.get_mut(file) {
            local_ids(&mut p.document, e, &mut renumber[file], m);
            e.policies.push(p);
        }
    }
    for (file, mut b) in buckets {
        if let Some(e) = files.get_mut(file) {
            for (_, v) in &mut b.settings {
                local_ids(v, e, &mut renumber[file], m);
            }
            e.buckets.push(b);
        }
    }
    for (file, id, address) in found.unknown_policies {
        if let Some(e) = files.get_mut(file) {
            let (expression, span) = match m.shared.unknowns.borrow().get(id) {
                Some((_, _, x, s, _)) => (x.clone(), *s),
                None => (address.clone(), Span::default()),
            };
            let why = format!("the whole policy of `{address}` is not known offline");
            e.unknowns.push(Unknown {
                expression,
                span,
                why,
            });
        }
    }
    for (file, f) in found.errors {
        if let Some(e) = files.get_mut(file) {
            e.findings.push(f);
        }
    }
    for (file, x) in found.iam {
        if let Some(e) = files.get_mut(file) {
            e.iam.entities.push(x);
        }
    }
    for (file, x) in found.links {
        if let Some(e) = files.get_mut(file) {
            e.iam.links.push(x);
        }
    }
    for (file, mut x) in found.access_points {
        if let Some(e) = files.get_mut(file) {
            for v in x.vpc.iter_mut().chain(x.public_access_block.iter_mut()) {
                local_ids(v, e, &mut renumber[file], m);
            }
            e.access_points.push(x);
        }
    }
    for (uid, file, f) in m.shared.findings.borrow().iter() {
        if *uid == m.uid
            && let Some(e) = files.get_mut(*file)
        {
            e.findings.push(f.clone());
        }
    }
    for (file, address, name, mut v) in found.account {
        if let Some(e) = files.get_mut(file) {
            local_ids(&mut v, e, &mut renumber[file], m);
        }
        out.account.push((base + file, address, name, v));
    }
    for e in files {
        let declares = !(e.policies.is_empty()
            && e.buckets.is_empty()
            && e.iam.entities.is_empty()
            && e.access_points.is_empty()
            && e.iam.links.is_empty()
            && e.unknowns.is_empty()
            && e.findings.is_empty());
        if root || declares {
            out.files.push(e);
        }
    }
    for child in children {
        collect(&child, out, false);
    }
}

/// Buckets with the split settings that link to them (settings of a bucket declared
/// elsewhere form a bucket of their own, named by the bucket name). Buckets are looked up by
/// address, name and (file, address) in indexes, so n settings of n buckets take linear time.
fn group_buckets(m: &Module, found: &extract::Found) -> Vec<(usize, IacBucket)> {
    let mut groups = BucketIndex::default();
    for (file, b) in &found.buckets {
        groups.push(*file, b.clone());
    }
    // Object Lock known absent on a bucket (`extract::object_lock_enabled`) holds only while
    // every Object Lock resource of the module names a bucket declared here: one whose bucket
    // is not known may be this bucket's.
    let lock_elsewhere = found.settings.iter().any(|(_, link, name, _)| {
        *name == names::OBJECT_LOCK
            && !match link {
                Attachment::Bucket(a) => groups.by_address.contains_key(a),
                Attachment::BucketName(n) => groups.by_name.contains_key(n),
                _ => false,
            }
    });
    if lock_elsewhere {
        for (_, b) in &mut groups.list {
            b.settings.retain(|(n, v)| {
                !(*n == names::OBJECT_LOCK && v.as_object().is_some_and(<[_]>::is_empty))
            });
        }
    }
    for (file, link, name, v) in &found.settings {
        let pos = match link {
            Attachment::Bucket(a) => groups.by_address.get(a).copied(),
            Attachment::BucketName(n) => groups.by_name.get(n).copied(),
            _ => None,
        };
        let i = match pos {
            Some(i) => i,
            None => {
                let (address, bname) = match link {
                    Attachment::Bucket(a) => (a.clone(), None),
                    Attachment::BucketName(n) => {
                        (format!("{}bucket \"{n}\"", m.prefix), Some(n.clone()))
                    }
                    _ => continue,
                };
                groups.push(
                    *file,
                    IacBucket {
                        address,
                        name: bname,
                        span: v.span,
                        settings: Vec::new(),
                    },
                )
            }
        };
        // A setting lives in the file of the resource declaring it; a bucket in another file
        // gets it only when the spans are in the same file.
        if groups.list[i].0 == *file {
            groups.list[i].1.settings.push((name, v.clone()));
        } else {
            let (address, bname) = (
                groups.list[i].1.address.clone(),
                groups.list[i].1.name.clone(),
            );
            match groups.by_file_address.get(&(*file, address.clone())) {
                Some(&j) => groups.list[j].1.settings.push((name, v.clone())),
                None => {
                    groups.push(
                        *file,
                        IacBucket {
                            address,
                            name: bname,
                            span: v.span,
                            settings: vec![(name, v.clone())],
                        },
                    );
                }
            }
        }
    }
    groups.list
}

/// The buckets of [`group_buckets`] and where each address and name first appears.
#[derive(Default)]
struct BucketIndex {
    list: Vec<(usize, IacBucket)>,
    by_address: HashMap<String, usize>,
    by_name: HashMap<String, usize>,
    by_file_address: HashMap<(usize, String), usize>,
}

impl BucketIndex {
    /// Appends a bucket declared in `file` and returns its position.
    fn push(&mut self, file: usize, b: IacBucket) -> usize {
        let i = self.list.len();
        self.by_address.entry(b.address.clone()).or_insert(i);
        if let Some(n) = &b.name {
            self.by_name.entry(n.clone()).or_insert(i);
        }
        self.by_file_address
            .entry((file, b.address.clone()))
            .or_insert(i);
        self.list.push((file, b));
        i
    }
}

/// Rewrites the placeholders of `v` from tree-wide unknown ids to indexes of `e.unknowns`,
/// adding unknowns that came from another file (located at the string that holds them).
fn local_ids(v: &mut Value, e: &mut Extracted, map: &mut HashMap<usize, usize>, m: &Module) {
    match &mut v.kind {
        Kind::String(s) if s.contains(value::PLACEHOLDER_PREFIX) => {
            let mut text = s.to_string();
            for id in value::placeholder_ids(s) {
                let local = *map.entry(id).or_insert_with(|| {
                    let (expression, why) = match m.shared.unknowns.borrow().get(id) {
                        Some((_, _, x, _, w)) => (x.clone(), w.clone()),
                        None => (String::new(), String::new()),
                    };
                    e.unknowns.push(Unknown {
                        expression,
                        span: v.span,
                        why,
                    });
                    e.unknowns.len() - 1
                });
                text = text.replacen(
                    &value::placeholder(id),
                    &format!("{}{local}\u{0}", value::PLACEHOLDER_PREFIX),
                    1,
                );
            }
            *s = text.replace('\u{0}', "}").into();
        }
        Kind::Array(items) => items.iter_mut().for_each(|x| local_ids(x, e, map, m)),
        Kind::Object(members) => members
            .iter_mut()
            .for_each(|mb| local_ids(&mut mb.value, e, map, m)),
        _ => {}
    }
}

/// The unknowns a document depends on: those whose placeholder it contains.
pub fn unknowns_in<'a>(doc: &Value, extracted: &'a Extracted) -> Vec<&'a Unknown> {
    let mut ids = Vec::new();
    walk_strings(doc, &mut |s| ids.extend(value::placeholder_ids(s)));
    ids.sort_unstable();
    ids.dedup();
    ids.into_iter()
        .filter_map(|i| extracted.unknowns.get(i))
        .collect()
}

fn walk_strings(v: &Value, f: &mut impl FnMut(&str)) {
    match &v.kind {
        Kind::String(s) => f(s),
        Kind::Array(items) => items.iter().for_each(|x| walk_strings(x, f)),
        Kind::Object(members) => members.iter().for_each(|m| walk_strings(&m.value, f)),
        _ => {}
    }
}
