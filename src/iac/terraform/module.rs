//! A Terraform module: its files parsed, its declarations indexed (variables, locals,
//! resources, data sources, module calls), resource instances under `count`/`for_each`, the
//! attributes other resources read from them, and local child modules.

use super::eval::{Scope, entries, span_of};
use super::value::{LStr, VKind, Val};
use super::{ModuleReader, parse_file};
use crate::diagnostic::Finding;
use crate::registry::Code;
use crate::source::{SourceFile, Span};
use hcl_edit::expr::Expression;
use hcl_edit::structure::{Block, Body};
use std::cell::{Cell, RefCell};
use std::collections::{HashMap, HashSet};
use std::path::{Component, Path, PathBuf};
use std::rc::Rc;

/// The most instances one `count` or `for_each` expands to.
pub const MAX_INSTANCES: usize = 10_000;
/// The deepest chain of local module calls followed.
pub const MAX_MODULE_DEPTH: usize = 16;
/// Evaluation steps allowed for one module tree (bounds time on generated input).
const BUDGET: u64 = 20_000_000;

/// A registered unknown: module uid, file, expression text, place, why.
pub type UnknownEntry = (usize, usize, String, Span, String);
/// Child modules by (declaration, instance suffix); `None` when not readable.
type Children = RefCell<HashMap<(usize, String), Option<Rc<Module>>>>;

/// What every module of one tree shares: the unknowns, the step budget, the findings about
/// module files, and the nesting depth of evaluation.
#[derive(Debug)]
pub struct Shared {
    /// `(module uid, file, expression, span, why)` by unknown id.
    pub unknowns: RefCell<Vec<UnknownEntry>>,
    /// Steps left.
    pub budget: Cell<u64>,
    /// Current evaluation depth.
    pub depth: Cell<u32>,
    /// The next module uid.
    pub next_uid: Cell<usize>,
    /// Findings about module files: `(module uid, file, finding)`.
    pub findings: RefCell<Vec<(usize, usize, Finding)>>,
    /// Unknowns that stand for an evaluation error (a missing key, an index out of range, a
    /// function given the wrong type): `try` moves past them as Terraform does.
    pub errors: RefCell<HashSet<usize>>,
    /// Module directories already parsed (a module called several times is parsed once).
    pub parsed: RefCell<HashMap<PathBuf, Vec<File>>>,
}

impl Shared {
    /// A fresh tree state.
    pub fn new() -> Rc<Shared> {
        Rc::new(Shared {
            unknowns: RefCell::new(Vec::new()),
            budget: Cell::new(BUDGET),
            depth: Cell::new(0),
            next_uid: Cell::new(0),
            findings: RefCell::new(Vec::new()),
            parsed: RefCell::new(HashMap::new()),
            errors: RefCell::new(HashSet::new()),
        })
    }

    /// Takes one evaluation step; false once the budget is spent.
    pub fn spend(&self) -> bool {
        let left = self.budget.get();
        self.budget.set(left.saturating_sub(1));
        left > 0
    }

    /// Registers an unknown and returns its id.
    pub fn register(&self, uid: usize, file: usize, expr: String, span: Span, why: &str) -> usize {
        let mut u = self.unknowns.borrow_mut();
        u.push((uid, file, expr, span, why.to_string()));
        u.len() - 1
    }
}

/// One parsed file of a module.
#[derive(Debug, Clone)]
pub struct File {
    /// The text.
    pub source: SourceFile,
    /// The parsed body, if it parsed.
    pub body: Option<Body>,
    /// Why it did not parse.
    pub error: Option<Finding>,
    /// For a `.tf.json` file, `body` was parsed from the native text it stands for: where
    /// each byte of that text is in the JSON file ([`super::json_syntax`]).
    pub map: Option<Rc<LStr>>,
}

/// A declared variable.
#[derive(Debug)]
pub struct VarDef {
    /// The file declaring it.
    pub file: usize,
    /// Its default.
    pub default: Option<Expression>,
    /// The value given by the caller or a `.tfvars` file (located at each use).
    pub given: Option<Val>,
}

/// A `resource`, `data` or `module` block.
#[derive(Debug)]
pub struct Decl {
    /// `data` block.
    pub data: bool,
    /// The type (`aws_s3_bucket`; `module` for a module call).
    pub rtype: String,
    /// The name.
    pub name: String,
    /// The file.
    pub file: usize,
    /// The block.
    pub block: Block,
    /// Where the block is in its file.
    pub span: Span,
}

impl Decl {
    /// Whether it has `count` or `for_each` (so references need an index).
    pub fn repeated(&self) -> bool {
        self.block.body.has_attribute("count") || self.block.body.has_attribute("for_each")
    }

    /// The span of the block.
    pub fn span(&self) -> Span {
        self.span
    }
}

/// One instance of a declaration: its index key and the names it binds.
#[derive(Debug, Clone)]
pub struct Instance {
    /// `[0]`, `["k"]`, `[?]`, or empty.
    pub suffix: String,
    /// The key as a value (count index or each key), if repeated.
    pub key: Option<Val>,
    /// `count` and `each`.
    pub vars: Vec<(String, Val)>,
}

impl Instance {
    /// The scope of this instance in file `file`.
    pub fn scope(&self, file: usize) -> Scope {
        Scope {
            file,
            vars: self.vars.clone(),
        }
    }
}

/// The instances of one declaration, indexed by key so that `x.y[each.key]` under a
/// `for_each` of n elements is one lookup, not a scan (n such references would be quadratic).
#[derive(Debug, Default)]
pub struct Instances {
    list: Vec<Instance>,
    /// Key text to the first instance with that key: an index selects the instance whose key
    /// has the same text (`[0]` and `["0"]` alike, as Terraform converts the index).
    by_key: HashMap<String, usize>,
}

impl Instances {
    fn new(list: Vec<Instance>) -> Instances {
        let mut by_key = HashMap::new();
        for (i, inst) in list.iter().enumerate() {
            if let Some(k) = inst.key.as_ref().and_then(Val::to_lstr) {
                by_key.entry(k.text).or_insert(i);
            }
        }
        Instances { list, by_key }
    }

    /// The instance `key` selects.
    pub fn find(&self, key: &Val) -> Option<&Instance> {
        let k = key.to_lstr()?;
        self.by_key.get(&k.text).and_then(|&i| self.list.get(i))
    }
}

impl std::ops::Deref for Instances {
    type Target = [Instance];
    fn deref(&self) -> &[Instance] {
        &self.list
    }
}

/// A module instance being read.
pub struct Module {
    /// Unique id in the tree.
    pub uid: usize,
    /// The address prefix (`module.logs.`), empty for the root.
    pub prefix: String,
    /// The directory.
    pub dir: PathBuf,
    /// The `.tf` files.
    pub files: Vec<File>,
    /// Variables by name.
    pub variables: HashMap<String, VarDef>,
    /// Locals by name.
    pub locals: HashMap<String, (usize, Expression)>,
    /// Outputs by name.
    pub outputs: HashMap<String, (usize, Expression)>,
    /// Resources, data sources and module calls in file order.
    pub decls: Vec<Decl>,
    /// Directories of the calling modules (cycle check).
    pub ancestors: Vec<PathBuf>,
    /// The tree's shared state.
    pub shared: Rc<Shared>,
    /// Where module files are read from.
    pub reader: Rc<dyn ModuleReader>,
    pub(super) local_memo: RefCell<HashMap<String, Val>>,
    pub(super) local_busy: RefCell<HashSet<String>>,
    instance_memo: RefCell<HashMap<usize, Rc<Instances>>>,
    /// `decls` by (data, type, name): the first declaration of each.
    decl_index: HashMap<(bool, String, String), usize>,
    pub(super) attr_memo: RefCell<HashMap<(usize, String, String), Val>>,
    /// Bucket name to the address of the bucket instance declaring it (`extract`).
    pub(super) bucket_name_memo: RefCell<Option<Rc<HashMap<String, String>>>>,
    children: Children,
}

impl Module {
    /// Indexes the parsed `files` of a module.
    pub fn new(
        files: Vec<File>,
        dir: PathBuf,
        prefix: String,
        ancestors: Vec<PathBuf>,
        shared: Rc<Shared>,
        reader: Rc<dyn ModuleReader>,
    ) -> Module {
        let uid = shared.next_uid.get();
        shared.next_uid.set(uid + 1);
        let mut m = Module {
            uid,
            prefix,
            dir,
            files: Vec::new(),
            variables: HashMap::new(),
            locals: HashMap::new(),
            outputs: HashMap::new(),
            decls: Vec::new(),
            ancestors,
            shared,
            reader,
            local_memo: RefCell::new(HashMap::new()),
            local_busy: RefCell::new(HashSet::new()),
            instance_memo: RefCell::new(HashMap::new()),
            decl_index: HashMap::new(),
            attr_memo: RefCell::new(HashMap::new()),
            bucket_name_memo: RefCell::new(None),
            children: RefCell::new(HashMap::new()),
        };
        for (i, f) in files.iter().enumerate() {
            if let Some(body) = &f.body {
                m.index_body(i, body, f.map.as_deref());
            }
        }
        m.files = files;
        for (i, d) in m.decls.iter().enumerate() {
            let key = (d.data, d.rtype.clone(), d.name.clone());
            m.decl_index.entry(key).or_insert(i);
        }
        m
    }

    fn index_body(&mut self, file: usize, body: &Body, map: Option<&LStr>) {
        for block in body.blocks() {
            let span = mapped(map, span_of(block));
            let labels: Vec<&str> = block.labels.iter().map(|l| l.as_str()).collect();
            match (block.ident.as_str(), labels.as_slice()) {
                ("variable", [name]) => {
                    let default = block.body.get_attribute("default").map(|a| a.value.clone());
                    let def = VarDef {
                        file,
                        default,
                        given: None,
                    };
                    self.variables.insert((*name).to_string(), def);
                }
                ("locals", []) => {
                    for a in block.body.attributes() {
                        self.locals
                            .insert(a.key.as_str().to_string(), (file, a.value.clone()));
                    }
                }
                ("output", [name]) => {
                    if let Some(a) = block.body.get_attribute("value") {
                        self.outputs
                            .insert((*name).to_string(), (file, a.value.clone()));
                    }
                }
                (kind @ ("resource" | "data"), [t, n]) => self.decls.push(Decl {
                    data: kind == "data",
                    rtype: (*t).to_string(),
                    name: (*n).to_string(),
                    file,
                    block: block.clone(),
                    span,
                }),
                ("module", [n]) => self.decls.push(Decl {
                    data: false,
                    rtype: "module".into(),
                    name: (*n).to_string(),
                    file,
                    block: block.clone(),
                    span,
                }),
                _ => {}
            }
        }
    }

    /// Sets variable values from `.tfvars` text (`name = value` lines), evaluated as HCL.
    pub fn apply_tfvars(&mut self, tfvars: &[SourceFile]) -> Vec<(SourceFile, Finding)> {
        let mut errors = Vec::new();
        for src in tfvars {
            // `.tfvars.json`: one JSON object of variable values (Terraform docs, "Variable
            // Definitions (.tfvars) Files").
            if src.name().ends_with(".json") {
                match crate::json::parse(src.text()) {
                    Ok(v) => match v.as_object() {
                        Some(members) => {
                            for m in members {
                                if let Some(def) = self.variables.get_mut(&*m.key) {
                                    def.given = Some(Val::from_json(&m.value));
                                }
                            }
                        }
                        None => errors.push((
                            src.clone(),
                            Finding::new(
                                Code::TerraformSyntax,
                                v.span,
                                "a `.tfvars.json` file is one JSON object of variable values",
                            ),
                        )),
                    },
                    Err(e) => errors.push((src.clone(), crate::load::json_error(&e, None))),
                }
                continue;
            }
            let body = match hcl_edit::parser::parse_body(src.text()) {
                Ok(body) => body,
                Err(_) => {
                    // The same located syntax error a `.tf` file gets.
                    if let Some(f) = parse_file(src.clone()).error {
                        errors.push((src.clone(), f));
                    }
                    continue;
                }
            };
            let probe = Module::new(
                vec![File {
                    source: src.clone(),
                    body: None,
                    error: None,
                    map: None,
                }],
                self.dir.clone(),
                String::new(),
                Vec::new(),
                self.shared.clone(),
                self.reader.clone(),
            );
            for a in body.attributes() {
                if let Some(def) = self.variables.get_mut(a.key.as_str()) {
                    def.given = Some(probe.eval(&Scope::file(0), &a.value));
                }
            }
        }
        errors
    }

    /// Where `node` of file `file` is in that file (a `.tf.json` node is mapped from the
    /// native text it was parsed from back to the JSON).
    pub fn span_in(&self, file: usize, node: &impl hcl_edit::Span) -> Span {
        let map = self.files.get(file).and_then(|f| f.map.as_deref());
        mapped(map, span_of(node))
    }

    /// The text of file `file`.
    pub fn text(&self, file: usize) -> &str {
        self.files.get(file).map(|f| f.source.text()).unwrap_or("")
    }

    /// The declaration `data.TYPE.NAME` or `TYPE.NAME`.
    pub fn decl(&self, data: bool, rtype: &str, name: &str) -> Option<&Decl> {
        let key = (data, rtype.to_string(), name.to_string());
        self.decl_index.get(&key).and_then(|&i| self.decls.get(i))
    }

    /// The instances of `decl` under its `count` or `for_each`; an expansion not known offline
    /// is one instance `[?]` whose `count.index`/`each.*` are unknown, so it is still read.
    pub fn instances(&self, decl: &Decl) -> Rc<Instances> {
        let key = decl as *const Decl as usize;
        if let Some(v) = self.instance_memo.borrow().get(&key) {
            return v.clone();
        }
        let v = Rc::new(Instances::new(self.expand(decl)));
        self.instance_memo.borrow_mut().insert(key, v.clone());
        v
    }

    fn expand(&self, decl: &Decl) -> Vec<Instance> {
        let scope = Scope::file(decl.file);
        let body = &decl.block.body;
        if let Some(a) = body.get_attribute("count") {
            let v = self.eval(&scope, &a.value);
            let n = match &v.kind {
                VKind::Num(n) => n.parse::<f64>().ok().filter(|n| *n >= 0.0),
                _ => None,
            };
            return match n {
                Some(n) if n as usize <= MAX_INSTANCES => (0..n as usize)
                    .map(|i| {
                        let idx = Val::new(VKind::Num(i.to_string()), v.span);
                        let count = Val::new(
                            VKind::Map(vec![("index".into(), v.span, idx.clone())]),
                            v.span,
                        );
                        Instance {
                            suffix: format!("[{i}]"),
                            key: Some(idx),
                            vars: vec![("count".into(), count)],
                        }
                    })
                    .collect(),
                _ => self.unknown_instance(decl, "count", v.span),
            };
        }
        if let Some(a) = body.get_attribute("for_each") {
            let v = self.eval(&scope, &a.value);
            return match entries(&v) {
                Some(es) if es.len() <= MAX_INSTANCES => es
                    .into_iter()
                    .map(|(k, x)| {
                        // A set's elements are its keys (Terraform's `each.key == each.value`).
                        let key = if matches!(v.kind, VKind::List(_)) {
                            x.clone()
                        } else {
                            k
                        };
                        let text = key.to_lstr().map(|l| l.text).unwrap_or_default();
                        let each = Val::new(
                            VKind::Map(vec![
                                ("key".into(), key.span, key.clone()),
                                ("value".into(), x.span, x),
                            ]),
                            v.span,
                        );
                        Instance {
                            suffix: format!(
                                "[{}]",
                                serde_json::to_string(&text).unwrap_or_default()
                            ),
                            key: Some(key),
                            vars: vec![("each".into(), each)],
                        }
                    })
                    .collect(),
                _ => self.unknown_instance(decl, "for_each", v.span),
            };
        }
        vec![Instance {
            suffix: String::new(),
            key: None,
            vars: Vec::new(),
        }]
    }

    fn unknown_instance(&self, decl: &Decl, what: &str, span: Span) -> Vec<Instance> {
        let scope = Scope::file(decl.file);
        let why = format!("a `{what}` not known offline (read as one instance)");
        let u = self.unknown(&scope, span, &why);
        let map = |names: &[&str]| {
            let m = names
                .iter()
                .map(|n| ((*n).to_string(), span, u.clone()))
                .collect();
            Val::new(VKind::Map(m), span)
        };
        vec![Instance {
            suffix: "[?]".into(),
            key: None,
            vars: vec![
                ("count".into(), map(&["index"])),
                ("each".into(), map(&["key", "value"])),
            ],
        }]
    }

    /// The value of attribute `attr` of a resource instance (scope = the instance's scope in
    /// the resource's file): what the configuration sets, the bucket name and ARN the AWS
    /// provider derives, a rendered policy document; anything else is known only after apply.
    pub fn resource_attribute(&self, scope: &Scope, decl: &Decl, attr: &str, span: Span) -> Val {
        let body = &decl.block.body;
        if decl.data && decl.rtype == "aws_iam_policy_document" {
            return match attr {
                "json" | "minified_json" => {
                    let doc = self.policy_document(scope, decl);
                    let s = doc.span;
                    Val::new(VKind::Json(Box::new(doc)), s)
                }
                _ => self.unknown(scope, span, "an attribute of a policy document"),
            };
        }
        if decl.data {
            return self.unknown(
                scope,
                span,
                "a data source (read from AWS when Terraform runs)",
            );
        }
        if decl.rtype == "aws_s3_bucket" {
            // The provider sets `id` and `bucket` to the bucket name, `arn` to
            // `arn:<partition>:s3:::<name>` (aws_s3_bucket resource page, attributes reference).
            let name = || match body.get_attribute("bucket") {
                Some(a) => self.eval(scope, &a.value),
                None => self.unknown(scope, span, "a bucket name Terraform generates"),
            };
            match attr {
                "id" | "bucket" => return name(),
                "arn" => {
                    let n = name();
                    let mut s = LStr::flat("arn:aws:s3:::", n.span.start);
                    s.push(&n.to_lstr().unwrap_or_default());
                    return Val::new(VKind::Str(s), n.span);
                }
                _ => {}
            }
        }
        if let Some(a) = body.get_attribute(attr) {
            return self.eval(scope, &a.value);
        }
        self.unknown(scope, span, "known only after apply")
    }

    /// `module.NAME...`: an output of a local child module.
    pub fn module_ref(
        &self,
        scope: &Scope,
        name: &str,
        ops: &[hcl_edit::Decorated<hcl_edit::expr::TraversalOperator>],
        span: Span,
    ) -> Val {
        use hcl_edit::expr::TraversalOperator as Op;
        let Some(decl) = self.decl(false, "module", name) else {
            return self.unknown(scope, span, "a module not declared here");
        };
        let instances = self.instances(decl);
        let (inst, rest) = match ops.first().map(|o| o.value()) {
            Some(Op::Index(ix)) if decl.repeated() => {
                let k = self.eval(scope, ix);
                (instances.find(&k), &ops[1..])
            }
            _ if decl.repeated() => (None, ops),
            _ => (instances.first(), ops),
        };
        let (Some(inst), Some(Op::GetAttr(out))) = (inst, rest.first().map(|o| o.value())) else {
            return self.unknown(scope, span, "a module output not known offline");
        };
        let Some(child) = self.child(decl, inst) else {
            return self.unknown(scope, span, "an output of a module this reader cannot read");
        };
        let Some((file, e)) = child.outputs.get(out.as_str()) else {
            return self.unknown(scope, span, "an output the module does not declare");
        };
        let mut v = child.eval(&Scope::file(*file), e);
        v.relocate(span);
        self.steps(scope, v, &rest[1..], span)
    }

    /// The child module of a `module` block instance, read once; `None` for a remote source
    /// or one that cannot be read (a finding says why).
    pub fn child(&self, decl: &Decl, inst: &Instance) -> Option<Rc<Module>> {
        let key = (decl as *const Decl as usize, inst.suffix.clone());
        if let Some(c) = self.children.borrow().get(&key) {
            return c.clone();
        }
        // While a child loads, a reference back to it (through another module's inputs) is
        // unknown rather than a second load.
        self.children.borrow_mut().insert(key.clone(), None);
        let c = self.load_child(decl, inst).map(Rc::new);
        self.children.borrow_mut().insert(key, c.clone());
        c
    }

    fn load_child(&self, decl: &Decl, inst: &Instance) -> Option<Module> {
        let attr = decl.block.body.get_attribute("source")?;
        let source = attr.value.as_str()?;
        if !(source.starts_with("./") || source.starts_with("../")) {
            return None;
        }
        let span = self.span_in(decl.file, &attr.value);
        let dir = normalize(&self.dir.join(source));
        let problem = if dir == self.dir || self.ancestors.contains(&dir) {
            Some("a module that sources itself or one of its callers".to_string())
        } else if self.ancestors.len() >= MAX_MODULE_DEPTH {
            Some(format!(
                "local modules nested more than {MAX_MODULE_DEPTH} deep"
            ))
        } else {
            None
        };
        if let Some(p) = problem {
            self.error(
                decl.file,
                Finding::new(
                    Code::TerraformSyntax,
                    span,
                    format!("`{source}`: {p}; it is not read"),
                ),
            );
            return None;
        }
        let cached = self.shared.parsed.borrow().get(&dir).cloned();
        let files = match cached.map_or_else(|| read_dir_files(self.reader.as_ref(), &dir), Ok) {
            Ok(f) => f,
            Err(e) => {
                self.error(
                    decl.file,
                    Finding::new(
                        Code::TerraformSyntax,
                        span,
                        format!("module `{source}` cannot be read: {e}"),
                    ),
                );
                return None;
            }
        };
        self.shared
            .parsed
            .borrow_mut()
            .entry(dir.clone())
            .or_insert_with(|| files.clone());
        let mut ancestors = self.ancestors.clone();
        ancestors.push(self.dir.clone());
        let prefix = format!("{}module.{}{}.", self.prefix, decl.name, inst.suffix);
        let mut child = Module::new(
            files,
            dir,
            prefix,
            ancestors,
            self.shared.clone(),
            self.reader.clone(),
        );
        let scope = inst.scope(decl.file);
        for a in decl.block.body.attributes() {
            let k = a.key.as_str();
            if let Some(def) = child.variables.get_mut(k) {
                def.given = Some(self.eval(&scope, &a.value));
            }
        }
        Some(child)
    }

    /// Records a finding in file `file` of this module.
    pub fn error(&self, file: usize, f: Finding) {
        self.shared.findings.borrow_mut().push((self.uid, file, f));
    }
}

/// `span` of a native text moved through `map` into the file it stands for: the first byte
/// to where it was written, the end after the last byte's place.
pub fn mapped(map: Option<&LStr>, span: Span) -> Span {
    let Some(m) = map else {
        return span;
    };
    let start = m.to_source(span.start);
    let end = if span.end > span.start {
        m.to_source(span.end - 1).saturating_add(1)
    } else {
        start
    };
    Span::new(start as usize, end.max(start) as usize)
}

/// Reads and parses the `.tf` files of a module directory.
pub fn read_dir_files(reader: &dyn ModuleReader, dir: &Path) -> Result<Vec<File>, String> {
    let names = reader.tf_files(dir)?;
    let mut out = Vec::new();
    for path in names {
        let text = reader.read(&path)?;
        out.push(parse_file(SourceFile::new(
            path.display().to_string(),
            text,
        )));
    }
    Ok(out)
}

/// `a/./b/../c` as `a/c`, without touching the file system.
pub fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}
