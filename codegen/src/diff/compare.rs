//! Two surfaces compared into [`Change`]s, each breaking or not, and the [`Bump`] they imply.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::surface::{
    ApiSurface, Argument, EnumSurface, ModelShape, ModelSurface, OperationSurface, Position,
    Setter, StatusSurface, StructSurface, Surface, BODY_FIELD_WIRE, BODY_WIRE,
};
use super::Snapshot;

/// What changed, one variant per rule of the classification.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    ApiAdded,
    ApiRemoved,
    SchemaVersionChanged,
    OperationAdded,
    OperationRemoved,
    MethodRenamed,
    ArgumentAdded,
    ArgumentRemoved,
    ArgumentRetyped,
    ArgumentsReordered,
    /// A required argument became a setter.
    ArgumentMadeOptional,
    /// A setter became a required argument.
    SetterMadeRequired,
    SetterAdded,
    SetterRemoved,
    SetterRetyped,
    BodyAdded,
    BodyRemoved,
    BodyRetyped,
    /// Named body parameters replaced by one body model (same JSON on the wire).
    BodyFolded,
    /// The reverse: a body model replaced by named body parameters.
    BodyUnfolded,
    ResponseRetyped,
    PaginationAdded,
    PaginationRemoved,
    AuthenticationChanged,
    Deprecated,
    StatusChanged,
    ModelAdded,
    ModelRemoved,
    ModelRenamed,
    ModelKindChanged,
    ConstructorAdded,
    ConstructorRemoved,
    FieldAdded,
    FieldRemoved,
    FieldRetyped,
    VariantAdded,
    VariantRemoved,
    EnumValueAdded,
    EnumValueRemoved,
    EnumVariantRenamed,
    AliasAdded,
    AliasRemoved,
    AliasRetargeted,
    ModelsMerged,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::ApiAdded => "api_added",
            Kind::ApiRemoved => "api_removed",
            Kind::SchemaVersionChanged => "schema_version_changed",
            Kind::OperationAdded => "operation_added",
            Kind::OperationRemoved => "operation_removed",
            Kind::MethodRenamed => "method_renamed",
            Kind::ArgumentAdded => "argument_added",
            Kind::ArgumentRemoved => "argument_removed",
            Kind::ArgumentRetyped => "argument_retyped",
            Kind::ArgumentsReordered => "arguments_reordered",
            Kind::ArgumentMadeOptional => "argument_made_optional",
            Kind::SetterMadeRequired => "setter_made_required",
            Kind::SetterAdded => "setter_added",
            Kind::SetterRemoved => "setter_removed",
            Kind::SetterRetyped => "setter_retyped",
            Kind::BodyAdded => "body_added",
            Kind::BodyRemoved => "body_removed",
            Kind::BodyRetyped => "body_retyped",
            Kind::BodyFolded => "body_folded",
            Kind::BodyUnfolded => "body_unfolded",
            Kind::ResponseRetyped => "response_retyped",
            Kind::PaginationAdded => "pagination_added",
            Kind::PaginationRemoved => "pagination_removed",
            Kind::AuthenticationChanged => "authentication_changed",
            Kind::Deprecated => "deprecated",
            Kind::StatusChanged => "status_changed",
            Kind::ModelAdded => "model_added",
            Kind::ModelRemoved => "model_removed",
            Kind::ModelRenamed => "model_renamed",
            Kind::ModelKindChanged => "model_kind_changed",
            Kind::ConstructorAdded => "constructor_added",
            Kind::ConstructorRemoved => "constructor_removed",
            Kind::FieldAdded => "field_added",
            Kind::FieldRemoved => "field_removed",
            Kind::FieldRetyped => "field_retyped",
            Kind::VariantAdded => "variant_added",
            Kind::VariantRemoved => "variant_removed",
            Kind::EnumValueAdded => "enum_value_added",
            Kind::EnumValueRemoved => "enum_value_removed",
            Kind::EnumVariantRenamed => "enum_variant_renamed",
            Kind::AliasAdded => "alias_added",
            Kind::AliasRemoved => "alias_removed",
            Kind::AliasRetargeted => "alias_retargeted",
            Kind::ModelsMerged => "models_merged",
        }
    }

    /// The changelog section of a non-breaking change of this kind.
    fn section(self) -> Section {
        match self {
            Kind::ApiAdded
            | Kind::OperationAdded
            | Kind::SetterAdded
            | Kind::PaginationAdded
            | Kind::ModelAdded
            | Kind::ConstructorAdded
            | Kind::FieldAdded
            | Kind::VariantAdded
            | Kind::EnumValueAdded
            | Kind::AliasAdded => Section::Added,
            Kind::Deprecated => Section::Deprecated,
            _ => Section::Changed,
        }
    }
}

impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The changelog section a change is listed under.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Section {
    Breaking,
    Added,
    Changed,
    Deprecated,
}

impl Section {
    pub const ALL: [Section; 4] = [
        Section::Breaking,
        Section::Added,
        Section::Changed,
        Section::Deprecated,
    ];

    pub(super) fn title(self) -> &'static str {
        match self {
            Section::Breaking => "Breaking changes",
            Section::Added => "Added",
            Section::Changed => "Changed",
            Section::Deprecated => "Deprecated",
        }
    }

    /// The prefix of a line of the text report.
    pub(super) fn tag(self) -> &'static str {
        match self {
            Section::Breaking => "BREAKING",
            Section::Added => "added",
            Section::Changed => "changed",
            Section::Deprecated => "deprecated",
        }
    }
}

/// The version bump a set of changes calls for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Bump {
    /// Identical snapshots.
    None,
    /// Documentation only, or schema files that differ without changing the generated API.
    Patch,
    /// Additions (and deprecations): nothing that compiled stops compiling.
    Minor,
    /// Something that compiled may stop compiling.
    Major,
}

impl Bump {
    pub fn as_str(self) -> &'static str {
        match self {
            Bump::None => "none",
            Bump::Patch => "patch",
            Bump::Minor => "minor",
            Bump::Major => "major",
        }
    }

    /// What it means for a crate still at 0.x, where cargo treats the minor number as major.
    pub fn zero_x(self) -> &'static str {
        match self {
            Bump::None => "no new version",
            Bump::Patch | Bump::Minor => "0.x.(y+1)",
            Bump::Major => "0.(x+1).0",
        }
    }

    pub(super) fn why(self) -> &'static str {
        match self {
            Bump::None => "the snapshots are identical",
            Bump::Patch => "no change to the generated API beyond documentation",
            Bump::Minor => "additions only, nothing that compiled breaks",
            Bump::Major => "breaking changes",
        }
    }
}

/// One change of the generated API.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Change {
    /// The cargo feature it belongs to, or [`SHARED`] for models several APIs use.
    pub api: String,
    pub kind: Kind,
    /// `GET /me/bill/{billId}`, `ovhcloudconnect::PopConfig`, `ovhcloudconnect::PopConfig.subnet`,
    /// `me::StatusEnum::Done`.
    pub item: String,
    pub breaking: bool,
    /// One line saying what changed and why it breaks or not.
    pub reason: String,
}

impl Change {
    pub fn section(&self) -> Section {
        if self.breaking {
            Section::Breaking
        } else {
            self.kind.section()
        }
    }

    /// The bump this change alone calls for.
    pub fn bump(&self) -> Bump {
        match (self.breaking, self.kind) {
            (true, _) => Bump::Major,
            (_, Kind::StatusChanged | Kind::AuthenticationChanged | Kind::ModelsMerged) => {
                Bump::Patch
            }
            _ => Bump::Minor,
        }
    }
}

/// The group of changes to models used by several APIs (or by none).
pub const SHARED: &str = "(shared)";

/// The comparison of two snapshots.
#[derive(Clone, Debug, PartialEq)]
pub struct Report {
    pub old_label: String,
    pub new_label: String,
    /// Sorted by API (shared models last), item, kind, reason.
    pub changes: Vec<Change>,
    /// Operations, models and APIs whose documentation text alone changed.
    pub documentation_changes: usize,
    /// Whether any schema file differs at all (added, removed or other bytes).
    pub files_changed: bool,
    /// `v1 /me` by feature, for headings.
    pub titles: BTreeMap<String, String>,
}

impl Report {
    pub fn breaking(&self) -> usize {
        self.changes.iter().filter(|c| c.breaking).count()
    }

    pub fn bump(&self) -> Bump {
        let changes = self.changes.iter().map(Change::bump).max();
        match changes {
            Some(bump) => bump,
            None if self.documentation_changes > 0 || self.files_changed => Bump::Patch,
            None => Bump::None,
        }
    }

    pub fn count(&self, section: Section) -> usize {
        self.changes
            .iter()
            .filter(|c| c.section() == section)
            .count()
    }

    pub fn by_kind(&self) -> BTreeMap<&'static str, usize> {
        let mut counts = BTreeMap::new();
        for change in &self.changes {
            *counts.entry(change.kind.as_str()).or_default() += 1;
        }
        counts
    }
}

/// Compares two snapshots' surfaces.
pub fn compare(old: &Snapshot, new: &Snapshot) -> Report {
    let mut diff = Differ::new(&old.surface, &new.surface);
    diff.apis(&old.unreadable, &new.unreadable);
    diff.models();
    diff.aliases();
    diff.conflicts();
    let mut changes = diff.changes;
    changes.sort_by(|a, b| {
        (a.api == SHARED, &a.api, &a.item, a.kind, &a.reason).cmp(&(
            b.api == SHARED,
            &b.api,
            &b.item,
            b.kind,
            &b.reason,
        ))
    });
    changes.dedup();
    let mut titles = BTreeMap::new();
    for surface in [&old.surface, &new.surface] {
        for (feature, api) in &surface.apis {
            titles.insert(feature.clone(), api.title.clone());
        }
    }
    Report {
        old_label: old.label.clone(),
        new_label: new.label.clone(),
        changes,
        documentation_changes: diff.documentation,
        files_changed: old.surface.files != new.surface.files,
        titles,
    }
}

/// The comparison state: both surfaces, what is known about added and removed APIs, and the
/// changes found so far.
struct Differ<'a> {
    old: &'a Surface,
    new: &'a Surface,
    added_apis: BTreeSet<&'a str>,
    removed_apis: BTreeSet<&'a str>,
    changes: Vec<Change>,
    documentation: usize,
}

fn code(text: &str) -> String {
    format!("`{text}`")
}

/// The group of a model-level change: the one API using the item, else [`SHARED`].
fn group(used_by: &BTreeSet<String>) -> String {
    match used_by.iter().next() {
        Some(only) if used_by.len() == 1 => only.clone(),
        _ => SHARED.to_owned(),
    }
}

fn signature(op: &OperationSurface) -> String {
    let args: Vec<String> = op
        .arguments
        .iter()
        .map(|a| format!("{}: {}", a.name, a.ty))
        .collect();
    format!("{}({}) -> {}", op.method, args.join(", "), op.response)
}

/// `made nullable` / `made non-null` when only the `Option` changed, else the two types.
fn type_change(old: &str, new: &str) -> String {
    let strip = |t: &str| {
        t.strip_prefix("Option<")
            .and_then(|t| t.strip_suffix('>'))
            .map(str::to_owned)
    };
    if strip(new).as_deref() == Some(old) {
        format!("made nullable: {} → {}", code(old), code(new))
    } else if strip(old).as_deref() == Some(new) {
        format!("made non-null: {} → {}", code(old), code(new))
    } else {
        format!("type changed from {} to {}", code(old), code(new))
    }
}

/// How callers build a struct: `` `new(a, b)` ``, or `` `Default` `` when nothing is mandatory.
fn constructor(args: &[String]) -> String {
    if args.is_empty() {
        "`Default`".to_owned()
    } else {
        code(&format!("new({})", args.join(", ")))
    }
}

/// ` (v1/me.json could not be read in the old snapshot: see the warnings)` when `file` is
/// among the `unreadable` files of the `side` snapshot, else nothing: that, not OVH, may be why
/// an API appears or disappears.
fn unreadable_note(file: &str, unreadable: &BTreeSet<String>, side: &str) -> String {
    if unreadable.contains(file) {
        format!(" ({file} could not be read in the {side} snapshot: see the warnings)")
    } else {
        String::new()
    }
}

/// Wire name → index in `op.arguments`.
fn positions_by_wire(op: &OperationSurface) -> BTreeMap<&str, usize> {
    op.arguments
        .iter()
        .enumerate()
        .map(|(i, a)| (a.wire.as_str(), i))
        .collect()
}

/// A parameter as the method shows it.
#[derive(Clone, Copy)]
enum Parameter<'a> {
    Argument(&'a Argument),
    Setter(&'a Setter),
}

impl<'a> Parameter<'a> {
    /// The argument or setter of `op` with this wire name (`args`: its [`positions_by_wire`]).
    fn find(
        op: &'a OperationSurface,
        args: &BTreeMap<&str, usize>,
        wire: &str,
    ) -> Option<Parameter<'a>> {
        match (args.get(wire), op.setters.get(wire)) {
            (Some(&i), _) => Some(Parameter::Argument(&op.arguments[i])),
            (None, Some(s)) => Some(Parameter::Setter(s)),
            (None, None) => None,
        }
    }

    fn show(self) -> String {
        match self {
            Parameter::Argument(a) => code(&format!("{}: {}", a.name, a.ty)),
            Parameter::Setter(s) => code(&format!(".{}({})", s.name, s.ty)),
        }
    }
}

/// The rules for one parameter (by wire name) of one operation: anything a caller must write
/// differently breaks; only a new setter does not.
fn parameter_change(
    wire: &str,
    old: Option<Parameter<'_>>,
    new: Option<Parameter<'_>>,
) -> Option<(Kind, bool, String)> {
    use Parameter::{Argument as Arg, Setter as Set};
    let body = wire == BODY_WIRE;
    Some(match (old, new) {
        (Some(Arg(o)), Some(Arg(n))) if o.ty != n.ty => {
            let (kind, what) = if body {
                (Kind::BodyRetyped, "body type")
            } else {
                (Kind::ArgumentRetyped, "argument")
            };
            let reason = format!(
                "{what} {} changed from {} to {}",
                code(&n.name),
                code(&o.ty),
                code(&n.ty)
            );
            (kind, true, reason)
        }
        (Some(Set(o)), Some(Set(n))) if o.ty != n.ty => (
            Kind::SetterRetyped,
            true,
            format!(
                "optional setter {} changed type from {} to {}",
                code(&format!(".{}()", n.name)),
                code(&o.ty),
                code(&n.ty)
            ),
        ),
        (Some(o @ Arg(_)), Some(n @ Set(_))) => (
            Kind::ArgumentMadeOptional,
            true,
            format!(
                "required argument {} is now the optional setter {}",
                o.show(),
                n.show()
            ),
        ),
        (Some(o @ Set(_)), Some(n @ Arg(_))) => (
            Kind::SetterMadeRequired,
            true,
            format!(
                "optional setter {} is now the required argument {}",
                o.show(),
                n.show()
            ),
        ),
        (Some(o @ Arg(_)), None) if body => (
            Kind::BodyRemoved,
            true,
            format!("body argument {} removed", o.show()),
        ),
        (Some(o @ Arg(_)), None) => (
            Kind::ArgumentRemoved,
            true,
            format!("required argument {} removed", o.show()),
        ),
        (None, Some(n @ Arg(_))) if body => (
            Kind::BodyAdded,
            true,
            format!("new body argument {}", n.show()),
        ),
        (None, Some(n @ Arg(_))) => (
            Kind::ArgumentAdded,
            true,
            format!("new required argument {}", n.show()),
        ),
        (Some(o @ Set(_)), None) => (
            Kind::SetterRemoved,
            true,
            format!("optional setter {} removed", o.show()),
        ),
        (None, Some(n @ Set(_))) => (
            Kind::SetterAdded,
            false,
            format!("new optional setter {}", n.show()),
        ),
        _ => return None,
    })
}

impl<'a> Differ<'a> {
    fn new(old: &'a Surface, new: &'a Surface) -> Differ<'a> {
        // The features of `surface` that `other` lacks.
        let only = |surface: &'a Surface, other: &Surface| -> BTreeSet<&'a str> {
            surface
                .apis
                .keys()
                .filter(|f| !other.apis.contains_key(*f))
                .map(String::as_str)
                .collect()
        };
        Differ {
            old,
            new,
            added_apis: only(new, old),
            removed_apis: only(old, new),
            changes: Vec::new(),
            documentation: 0,
        }
    }

    fn push(&mut self, api: &str, kind: Kind, item: &str, breaking: bool, reason: String) {
        self.changes.push(Change {
            api: api.to_owned(),
            kind,
            item: item.to_owned(),
            breaking,
            reason,
        });
    }

    /// A change to a model-level item, grouped by the APIs using it ([`group`]).
    fn push_grouped(
        &mut self,
        used_by: &BTreeSet<String>,
        kind: Kind,
        item: &str,
        breaking: bool,
        reason: String,
    ) {
        self.push(&group(used_by), kind, item, breaking, reason);
    }

    /// Items used only by APIs that appear (or disappear) with them are part of that API's
    /// change, not listed one by one.
    fn only_in(used_by: &BTreeSet<String>, apis: &BTreeSet<&str>) -> bool {
        !used_by.is_empty() && used_by.iter().all(|f| apis.contains(f.as_str()))
    }

    fn models_only_used_by(surface: &Surface, feature: &str, gone_from: &Surface) -> usize {
        surface
            .models
            .iter()
            .filter(|(key, m)| {
                !gone_from.models.contains_key(*key)
                    && m.used_by.len() == 1
                    && m.used_by.contains(feature)
            })
            .count()
    }

    /// APIs appearing or disappearing; a file the other snapshot could not read is said so,
    /// since that, not OVH, may be the cause.
    fn apis(&mut self, unreadable_in_old: &BTreeSet<String>, unreadable_in_new: &BTreeSet<String>) {
        let (old, new) = (self.old, self.new);
        for (feature, api) in &new.apis {
            if old.apis.contains_key(feature) {
                continue;
            }
            let models = Self::models_only_used_by(new, feature, old);
            let accessor = match &api.accessor {
                Some(a) => format!(", accessor {}", code(&format!("client.{a}()"))),
                None => String::new(),
            };
            let reason = format!(
                "new API {} (cargo feature {}{accessor}): {} operation(s), {} new model(s) only it uses{}",
                code(&api.title),
                code(feature),
                api.operations.len(),
                models,
                unreadable_note(&api.file, unreadable_in_old, "old")
            );
            self.push(feature, Kind::ApiAdded, &api.title, false, reason);
        }
        for (feature, api) in &old.apis {
            let Some(new_api) = new.apis.get(feature) else {
                let models = Self::models_only_used_by(old, feature, new);
                let reason = format!(
                    "cargo feature {} removed with its {} operation(s) and {} model(s) only it used{}",
                    code(feature),
                    api.operations.len(),
                    models,
                    unreadable_note(&api.file, unreadable_in_new, "new")
                );
                self.push(feature, Kind::ApiRemoved, &api.title, true, reason);
                continue;
            };
            self.api(feature, api, new_api);
        }
    }

    fn api(&mut self, feature: &str, old: &ApiSurface, new: &ApiSurface) {
        if old.doc != new.doc {
            self.documentation += 1;
        }
        if old.schemas_version != new.schemas_version {
            let (breaking, reason) = schema_version_change(
                old.schemas_version.as_deref(),
                new.schemas_version.as_deref(),
            );
            self.push(
                feature,
                Kind::SchemaVersionChanged,
                &new.title,
                breaking,
                reason,
            );
        }
        for (key, op) in &new.operations {
            if !old.operations.contains_key(key) {
                let reason = format!("new method {}", code(&signature(op)));
                self.push(feature, Kind::OperationAdded, key, false, reason);
            }
        }
        for (key, op) in &old.operations {
            match new.operations.get(key) {
                None => {
                    let reason = format!("method {} removed", code(&op.method));
                    self.push(feature, Kind::OperationRemoved, key, true, reason);
                }
                Some(new_op) => self.operation(feature, key, op, new_op),
            }
        }
    }

    fn operation(&mut self, api: &str, key: &str, old: &OperationSurface, new: &OperationSurface) {
        let before = self.changes.len();
        if old.method != new.method {
            let reason = format!(
                "method renamed from {} to {}",
                code(&old.method),
                code(&new.method)
            );
            self.push(api, Kind::MethodRenamed, key, true, reason);
        }
        self.parameters(api, key, old, new);
        if old.response != new.response {
            let reason = format!(
                "response type changed from {} to {}",
                code(&old.response),
                code(&new.response)
            );
            self.push(api, Kind::ResponseRetyped, key, true, reason);
        }
        match (old.paginated, new.paginated) {
            (false, true) => self.push(
                api,
                Kind::PaginationAdded,
                key,
                false,
                "now paginated: `.await` follows the cursor; `.stream()` and `.pages()` added"
                    .into(),
            ),
            (true, false) => self.push(
                api,
                Kind::PaginationRemoved,
                key,
                true,
                "no longer paginated: `.stream()` and `.pages()` removed".into(),
            ),
            _ => {}
        }
        if old.authenticated != new.authenticated {
            let reason = if new.authenticated {
                "now requires authentication (the call is signed)"
            } else {
                "now sent without authentication"
            };
            self.push(api, Kind::AuthenticationChanged, key, false, reason.into());
        }
        self.status(api, key, &old.status, &new.status);
        self.count_documentation(before, &old.doc, &new.doc);
    }

    /// A documentation change counts only for an item that did not change otherwise (its
    /// other changes already say more).
    fn count_documentation(&mut self, changes_before: usize, old: &str, new: &str) {
        if old != new && self.changes.len() == changes_before {
            self.documentation += 1;
        }
    }

    fn status(&mut self, api: &str, key: &str, old: &StatusSurface, new: &StatusSurface) {
        if old == new {
            return;
        }
        let deprecated = "DEPRECATED";
        if new.value == deprecated && old.value != deprecated {
            let mut reason = String::from("deprecated by OVHcloud");
            if let Some(since) = &new.deprecated_since {
                reason.push_str(&format!(" since {since}"));
            }
            if let Some(deletion) = &new.deletion_date {
                reason.push_str(&format!(", removal planned on {deletion}"));
            }
            if let Some(replacement) = &new.replacement {
                reason.push_str(&format!("; use {} instead", code(replacement)));
            }
            reason.push_str(" (`#[deprecated]` warns, still compiles)");
            self.push(api, Kind::Deprecated, key, false, reason);
        } else if old.value != new.value {
            let reason = format!("API status {} → {}", old.value, new.value);
            self.push(api, Kind::StatusChanged, key, false, reason);
        } else {
            let show = |s: &StatusSurface| {
                format!(
                    "since {}, removal {}, replacement {}",
                    s.deprecated_since.as_deref().unwrap_or("-"),
                    s.deletion_date.as_deref().unwrap_or("-"),
                    s.replacement.as_deref().unwrap_or("-")
                )
            };
            let reason = format!(
                "{} details changed: {} → {}",
                new.value.to_lowercase(),
                show(old),
                show(new)
            );
            self.push(api, Kind::StatusChanged, key, false, reason);
        }
    }

    /// Arguments and setters, matched by wire name: positions matter for arguments, names do
    /// not (a renamed positional argument breaks nobody).
    fn parameters(&mut self, api: &str, key: &str, old: &OperationSurface, new: &OperationSurface) {
        let folded = self.folding(api, key, old, new);
        // Once a folding is reported, its body fields and body are not listed one by one.
        let skip = |wire: &str| folded && (wire == BODY_WIRE || wire.starts_with(BODY_FIELD_WIRE));
        let (old_args, new_args) = (positions_by_wire(old), positions_by_wire(new));
        let mut wires: BTreeSet<&str> = old_args.keys().chain(new_args.keys()).copied().collect();
        wires.extend(
            old.setters
                .keys()
                .chain(new.setters.keys())
                .map(String::as_str),
        );
        for wire in wires.into_iter().filter(|w| !skip(w)) {
            let old_param = Parameter::find(old, &old_args, wire);
            let new_param = Parameter::find(new, &new_args, wire);
            if let Some((kind, breaking, reason)) = parameter_change(wire, old_param, new_param) {
                self.push(api, kind, key, breaking, reason);
            }
        }
        // Arguments present on both sides must keep their relative order.
        let kept = |op: &'_ OperationSurface, other: &BTreeMap<&str, usize>| -> Vec<String> {
            op.arguments
                .iter()
                .filter(|a| other.contains_key(a.wire.as_str()) && !skip(&a.wire))
                .map(|a| a.wire.clone())
                .collect()
        };
        let (old_kept, new_kept) = (kept(old, &new_args), kept(new, &old_args));
        if old_kept != new_kept {
            let names = |op: &OperationSurface, wires: &[String]| {
                wires
                    .iter()
                    .filter_map(|w| op.arguments.iter().find(|a| &a.wire == w))
                    .map(|a| a.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let reason = format!(
                "arguments reordered: ({}) → ({})",
                names(old, &old_kept),
                names(new, &new_kept)
            );
            self.push(api, Kind::ArgumentsReordered, key, true, reason);
        }
    }

    /// Named body parameters replaced by one body model (or the reverse): one change, since the
    /// JSON sent stays the same and only the signature moves. Returns whether it happened.
    fn folding(
        &mut self,
        api: &str,
        key: &str,
        old: &OperationSurface,
        new: &OperationSurface,
    ) -> bool {
        let is_field = |w: &str| w.starts_with(BODY_FIELD_WIRE);
        let has_fields = |op: &OperationSurface| {
            op.arguments.iter().any(|a| is_field(&a.wire)) || op.setters.keys().any(|w| is_field(w))
        };
        let body =
            |op: &OperationSurface| op.arguments.iter().find(|a| a.wire == BODY_WIRE).cloned();
        let folded = has_fields(old) && !has_fields(new) && body(old).is_none();
        let unfolded = has_fields(new) && !has_fields(old) && body(new).is_none();
        let (kind, fields_side, body_side) = match (folded, unfolded) {
            (true, _) => (Kind::BodyFolded, old, new),
            (_, true) => (Kind::BodyUnfolded, new, old),
            _ => return false,
        };
        let Some(body) = body(body_side) else {
            return false;
        };
        let mut named: Vec<String> = fields_side
            .arguments
            .iter()
            .filter(|a| is_field(&a.wire))
            .map(|a| code(&a.name))
            .collect();
        named.extend(
            fields_side
                .setters
                .iter()
                .filter(|(w, _)| is_field(w))
                .map(|(_, s)| format!("{} (setter)", code(&format!(".{}()", s.name)))),
        );
        let body = code(&format!("{}: {}", body.name, body.ty));
        let reason = if kind == Kind::BodyFolded {
            format!(
                "named body parameters {} folded into one body argument {body}: same JSON on the wire, new signature",
                named.join(", ")
            )
        } else {
            format!(
                "body argument {body} unfolded into named body parameters {}: same JSON on the wire, new signature",
                named.join(", ")
            )
        };
        self.push(api, kind, key, true, reason);
        true
    }

    fn models(&mut self) {
        let (old, new) = (self.old, self.new);
        for (key, model) in &new.models {
            if old.models.contains_key(key) || Self::only_in(&model.used_by, &self.added_apis) {
                continue;
            }
            let what = match &model.shape {
                ModelShape::Struct(_) => "struct",
                ModelShape::Enum(_) => "enum",
            };
            let reason = format!(
                "new {what} (schema model {}, {})",
                code(key),
                model.position.describe()
            );
            self.push_grouped(&model.used_by, Kind::ModelAdded, &model.path, false, reason);
        }
        for (key, model) in &old.models {
            match new.models.get(key) {
                None if Self::only_in(&model.used_by, &self.removed_apis) => {}
                None => {
                    let reason = format!("type removed (schema model {})", code(key));
                    self.push_grouped(
                        &model.used_by,
                        Kind::ModelRemoved,
                        &model.path,
                        true,
                        reason,
                    );
                }
                Some(new_model) => self.model(key, model, new_model),
            }
        }
    }

    fn model(&mut self, key: &str, old: &ModelSurface, new: &ModelSurface) {
        let before = self.changes.len();
        let api = group(&new.used_by);
        if old.path != new.path {
            let reason = format!(
                "type renamed from {} to {} (schema model {})",
                code(&old.path),
                code(&new.path),
                code(key)
            );
            self.push(&api, Kind::ModelRenamed, &old.path, true, reason);
        }
        match (&old.shape, &new.shape) {
            (ModelShape::Struct(o), ModelShape::Struct(n)) => {
                self.structure(&api, o, n, new.position);
            }
            (ModelShape::Enum(o), ModelShape::Enum(n)) if o.integers == n.integers => {
                self.enumeration(&api, &new.path, o, n, old.position, new.position);
            }
            (o, n) => {
                let describe = |s: &ModelShape| match s {
                    ModelShape::Struct(_) => "a struct",
                    ModelShape::Enum(EnumSurface { integers: true, .. }) => "an integer enum",
                    ModelShape::Enum(_) => "a string enum",
                };
                let reason = format!("was {}, is now {}", describe(o), describe(n));
                self.push(&api, Kind::ModelKindChanged, &new.path, true, reason);
            }
        }
        for (shape, variant) in &new.variants {
            if !old.variants.contains_key(shape) {
                let reason = format!(
                    "new request-body type {} (a {} body)",
                    code(&variant.path),
                    if shape == "Create" { "POST" } else { "PUT" }
                );
                self.push(&api, Kind::VariantAdded, &variant.path, false, reason);
            }
        }
        for (shape, variant) in &old.variants {
            match new.variants.get(shape) {
                None => {
                    let reason = format!(
                        "request-body type {} removed (no operation sends it any more)",
                        code(&variant.path)
                    );
                    self.push(&api, Kind::VariantRemoved, &variant.path, true, reason);
                }
                Some(new_variant) => {
                    let position = Position {
                        request: true,
                        response: false,
                    };
                    self.structure(&api, variant, new_variant, position);
                }
            }
        }
        self.count_documentation(before, &old.doc, &new.doc);
    }

    /// Fields by Rust name. Who builds the struct decides: a new field of a type users only
    /// read breaks nothing; a new `new(..)` argument breaks every caller.
    fn structure(
        &mut self,
        api: &str,
        old: &StructSurface,
        new: &StructSurface,
        position: Position,
    ) {
        let path = &new.path;
        match (&old.constructor, &new.constructor) {
            (None, Some(args)) => {
                let reason = format!(
                    "callers can now build it with {} (a request sends it now)",
                    constructor(args)
                );
                self.push(api, Kind::ConstructorAdded, path, false, reason);
            }
            (Some(args), None) => {
                let how = constructor(args);
                let reason = if position.request || position.response {
                    format!("{how} removed: no request sends the type any more, it is only read")
                } else {
                    format!("{how} removed: no operation uses the type any more, so it is generated like a response type")
                };
                self.push(api, Kind::ConstructorRemoved, path, true, reason);
            }
            _ => {}
        }
        for (name, field) in &new.fields {
            if old.fields.contains_key(name) {
                continue;
            }
            let item = format!("{path}.{name}");
            let declared = code(&format!("{name}: {}", field.ty));
            let (breaking, reason) = if field.in_constructor {
                (
                    true,
                    format!("new required field {declared}: `new(..)` takes one more argument"),
                )
            } else if new.constructor.is_none() {
                (
                    false,
                    format!("new field {declared} in a type users only read (#[non_exhaustive])"),
                )
            } else {
                (
                    false,
                    format!("new optional field {declared} (starts as `None`)"),
                )
            };
            self.push(api, Kind::FieldAdded, &item, breaking, reason);
        }
        for (name, field) in &old.fields {
            let item = format!("{path}.{name}");
            match new.fields.get(name) {
                None => {
                    let reason =
                        format!("field {} removed", code(&format!("{name}: {}", field.ty)));
                    self.push(api, Kind::FieldRemoved, &item, true, reason);
                }
                Some(new_field) if new_field.ty != field.ty => {
                    let mut reason = type_change(&field.ty, &new_field.ty);
                    match (field.in_constructor, new_field.in_constructor) {
                        (false, true) => reason.push_str(" (now a `new(..)` argument)"),
                        (true, false) => reason.push_str(" (no longer a `new(..)` argument)"),
                        _ => {}
                    }
                    self.push(api, Kind::FieldRetyped, &item, true, reason);
                }
                Some(_) => {}
            }
        }
    }

    /// Values by wire value. With `Unknown(..)` and `#[non_exhaustive]`, a new value breaks no
    /// `match`; a removed one deletes a variant someone may name.
    fn enumeration(
        &mut self,
        api: &str,
        path: &str,
        old: &EnumSurface,
        new: &EnumSurface,
        old_position: Position,
        position: Position,
    ) {
        let quoted = |value: &str| {
            if new.integers {
                value.to_owned()
            } else {
                format!("{value:?}")
            }
        };
        for (value, variant) in &new.values {
            match old.values.get(value) {
                None => {
                    let reason = format!(
                        "new value {} as variant {} ({})",
                        quoted(value),
                        code(variant),
                        position.describe()
                    );
                    let item = format!("{path}::{variant}");
                    self.push(api, Kind::EnumValueAdded, &item, false, reason);
                }
                Some(old_variant) if old_variant != variant => {
                    let reason = format!(
                        "value {} is now variant {} (was {})",
                        quoted(value),
                        code(variant),
                        code(old_variant)
                    );
                    let item = format!("{path}::{old_variant}");
                    self.push(api, Kind::EnumVariantRenamed, &item, true, reason);
                }
                Some(_) => {}
            }
        }
        for (value, variant) in &old.values {
            if !new.values.contains_key(value) {
                let reason = format!(
                    "value {} removed: variant {} disappears ({})",
                    quoted(value),
                    code(variant),
                    old_position.describe()
                );
                let item = format!("{path}::{variant}");
                self.push(api, Kind::EnumValueRemoved, &item, true, reason);
            }
        }
    }

    fn aliases(&mut self) {
        let (old, new) = (self.old, self.new);
        for (name, alias) in &new.aliases {
            if old.aliases.contains_key(name) || Self::only_in(&alias.used_by, &self.added_apis) {
                continue;
            }
            let reason = format!(
                "new type alias {} = {}",
                code(&alias.path),
                code(&alias.target)
            );
            self.push_grouped(&alias.used_by, Kind::AliasAdded, &alias.path, false, reason);
        }
        for (name, alias) in &old.aliases {
            match new.aliases.get(name) {
                None if Self::only_in(&alias.used_by, &self.removed_apis) => {}
                None => {
                    let reason = format!("type alias {} removed", code(&alias.path));
                    self.push_grouped(
                        &alias.used_by,
                        Kind::AliasRemoved,
                        &alias.path,
                        true,
                        reason,
                    );
                }
                Some(n) if n.path != alias.path || n.target != alias.target => {
                    let reason = format!(
                        "type alias {} = {} is now {} = {}",
                        code(&alias.path),
                        code(&alias.target),
                        code(&n.path),
                        code(&n.target)
                    );
                    self.push_grouped(&n.used_by, Kind::AliasRetargeted, &alias.path, true, reason);
                }
                Some(_) => {}
            }
        }
    }

    /// New or different merges of a model defined differently by several files: informational,
    /// the merged definition's own changes are reported with the model.
    fn conflicts(&mut self) {
        let (old, new) = (self.old, self.new);
        for (key, details) in &new.conflicts {
            if old.conflicts.get(key) == Some(details) {
                continue;
            }
            let Some(model) = new.models.get(key) else {
                continue;
            };
            let reason = format!("several schema files define it differently; merged: {details}");
            self.push_grouped(
                &model.used_by,
                Kind::ModelsMerged,
                &model.path,
                false,
                reason,
            );
        }
    }
}

/// A v2 API's `SCHEMAS_VERSION` moving: a new major schema version may change anything.
fn schema_version_change(old: Option<&str>, new: Option<&str>) -> (bool, String) {
    let major = |v: &str| v.split('.').next()?.trim().parse::<u64>().ok();
    match (old, new) {
        (Some(o), Some(n)) => match (major(o), major(n)) {
            (Some(a), Some(b)) if a != b => (
                true,
                format!("schema version (`SCHEMAS_VERSION`, X-Schemas-Version) {o} → {n}: new major version"),
            ),
            (Some(_), Some(_)) => (
                false,
                format!("schema version (`SCHEMAS_VERSION`, X-Schemas-Version) {o} → {n}: same major version"),
            ),
            _ => (
                true,
                format!("schema version (`SCHEMAS_VERSION`, X-Schemas-Version) {o} → {n}: not comparable as numbers, assumed major"),
            ),
        },
        (None, Some(n)) => (
            false,
            format!("now declares schema version {n} (`SCHEMAS_VERSION` added)"),
        ),
        (Some(o), None) => (
            true,
            format!("no longer declares a schema version (was {o}): `SCHEMAS_VERSION` removed"),
        ),
        (None, None) => (false, String::new()),
    }
}
