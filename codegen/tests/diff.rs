//! `ovhcloud-codegen diff`: each classification rule on a crafted pair of snapshots
//! (`tests/fixtures/diff/<case>/{old,new}`), the three formats, `--fail-on breaking`, determinism,
//! inputs that must not make it panic, and a real bump between two snapshots of OVH's schemas.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use ovhcloud_codegen::diff::{self, Bump, Change, Format, Kind, Report, Section, Snapshot};

fn fixture(case: &str, side: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/diff")
        .join(case)
        .join(side)
}

fn load(dir: &Path) -> Snapshot {
    Snapshot::load(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
}

fn report(case: &str) -> Report {
    diff::compare(&load(&fixture(case, "old")), &load(&fixture(case, "new")))
}

fn listing(report: &Report) -> String {
    diff::render(report, Format::Text)
}

/// The single change of `kind` on `item`.
fn change<'a>(report: &'a Report, kind: Kind, item: &str) -> &'a Change {
    let found: Vec<&Change> = report
        .changes
        .iter()
        .filter(|c| c.kind == kind && c.item == item)
        .collect();
    assert_eq!(
        found.len(),
        1,
        "expected one {kind} on {item}, report:\n{}",
        listing(report)
    );
    found[0]
}

/// Asserts one change: its kind, item, API group, whether it breaks, and its reason.
fn assert_change(
    report: &Report,
    (api, kind, item): (&str, Kind, &str),
    breaking: bool,
    reason: &str,
) {
    let c = change(report, kind, item);
    assert_eq!(c.api, api, "{c:?}");
    assert_eq!(c.breaking, breaking, "{c:?}");
    assert_eq!(c.reason, reason, "{c:?}");
}

fn kinds(report: &Report) -> Vec<Kind> {
    report.changes.iter().map(|c| c.kind).collect()
}

fn cli(args: &[&str], dirs: (&Path, &Path)) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ovhcloud-codegen"))
        .arg("diff")
        .arg(dirs.0)
        .arg(dirs.1)
        .args(args)
        .output()
        .expect("the CLI runs")
}

fn cli_case(case: &str, args: &[&str]) -> Output {
    cli(args, (&fixture(case, "old"), &fixture(case, "new")))
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("UTF-8 output")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

// --- rules ---------------------------------------------------------------------------------

#[test]
fn an_added_api_is_minor_a_removed_one_breaks() {
    let r = report("apis");
    assert_change(
        &r,
        ("fresh_api", Kind::ApiAdded, "v1 /fresh/api"),
        false,
        "new API `v1 /fresh/api` (cargo feature `fresh_api`, accessor `client.fresh_api()`): \
         2 operation(s), 1 new model(s) only it uses",
    );
    assert_change(
        &r,
        ("gone", Kind::ApiRemoved, "v1 /gone"),
        true,
        "cargo feature `gone` removed with its 1 operation(s) and 1 model(s) only it used",
    );
    // Their operations and models are part of the API's change, not listed one by one.
    assert_eq!(r.changes.len(), 2, "{}", listing(&r));
    assert_eq!(r.bump(), Bump::Major);
}

#[test]
fn operations_added_removed_and_renamed() {
    let r = report("operations");
    assert_change(
        &r,
        ("ops", Kind::OperationAdded, "POST /ops"),
        false,
        "new method `post(name: &str) -> String`",
    );
    assert_change(
        &r,
        ("ops", Kind::OperationAdded, "GET /ops/location"),
        false,
        "new method `get_location() -> Vec<String>`",
    );
    assert_change(
        &r,
        ("ops", Kind::OperationRemoved, "DELETE /ops/{id}"),
        true,
        "method `delete_by_id` removed",
    );
    // Without a lock, the newcomer's name collides and the existing method is renamed.
    assert_change(
        &r,
        (
            "ops",
            Kind::MethodRenamed,
            "GET /ops/{serviceName}/location",
        ),
        true,
        "method renamed from `get_location` to `get_by_service_name_location`",
    );
    assert_eq!(r.changes.len(), 4, "{}", listing(&r));
}

#[test]
fn a_lock_keeps_method_names_so_nothing_is_renamed() {
    let r = report("locked");
    assert!(!kinds(&r).contains(&Kind::MethodRenamed), "{}", listing(&r));
    assert_change(
        &r,
        ("ops", Kind::OperationAdded, "GET /ops/location"),
        false,
        "new method `get_location2() -> Vec<String>`",
    );
    let new = load(&fixture("locked", "new"));
    assert!(new.warnings.is_empty(), "{:?}", new.warnings);
}

/// A fresh fetch has no lock yet: read after the old snapshot, it keeps the old lock's names.
#[test]
fn a_new_snapshot_without_lock_keeps_the_old_locks_names() {
    let fresh = std::env::temp_dir().join(format!("ovhcloud-diff-fresh-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&fresh);
    std::fs::create_dir_all(fresh.join("v1")).unwrap();
    std::fs::copy(
        fixture("locked", "new").join("v1/ops.json"),
        fresh.join("v1/ops.json"),
    )
    .unwrap();
    let old = fixture("locked", "old");
    let unlocked = diff::compare(&load(&old), &load(&fresh));
    assert!(
        kinds(&unlocked).contains(&Kind::MethodRenamed),
        "without the old lock the collision renames: {}",
        listing(&unlocked)
    );
    let after = Snapshot::load_after(&fresh, &old).unwrap();
    let r = diff::compare(&load(&old), &after);
    assert!(!kinds(&r).contains(&Kind::MethodRenamed), "{}", listing(&r));
    std::fs::remove_dir_all(&fresh).unwrap();
}

#[test]
fn arguments_and_setters() {
    let r = report("arguments");
    assert_change(
        &r,
        ("args", Kind::ArgumentAdded, "GET /args/added"),
        true,
        "new required argument `limit: i64`",
    );
    assert_change(
        &r,
        ("args", Kind::ArgumentRemoved, "GET /args/removed"),
        true,
        "required argument `filter: &str` removed",
    );
    assert_change(
        &r,
        ("args", Kind::ArgumentRetyped, "GET /args/{id}"),
        true,
        "argument `id` changed from `&str` to `i64`",
    );
    assert_change(
        &r,
        ("args", Kind::SetterMadeRequired, "GET /args/promote"),
        true,
        "optional setter `.size(i64)` is now the required argument `size: i64`",
    );
    assert_change(
        &r,
        ("args", Kind::ArgumentMadeOptional, "GET /args/demote"),
        true,
        "required argument `size: i64` is now the optional setter `.size(i64)`",
    );
    assert_change(
        &r,
        ("args", Kind::SetterAdded, "GET /args/optional"),
        false,
        "new optional setter `.sort(&str)`",
    );
    assert_change(
        &r,
        ("args", Kind::SetterRemoved, "GET /args/optional"),
        true,
        "optional setter `.legacy(bool)` removed",
    );
    assert_change(
        &r,
        ("args", Kind::SetterRetyped, "GET /args/optional"),
        true,
        "optional setter `.page()` changed type from `i64` to `&str`",
    );
    assert_eq!(r.changes.len(), 8, "{}", listing(&r));
    assert_eq!(
        r.documentation_changes, 0,
        "parameter docs that come and go with parameters are not counted again"
    );
}

#[test]
fn body_and_response_types() {
    let r = report("bodies");
    assert_change(
        &r,
        ("bodies", Kind::BodyRetyped, "POST /bodies/retype"),
        true,
        "body type `body` changed from `&bodies::OldInput` to `&bodies::NewInput`",
    );
    assert_change(
        &r,
        ("bodies", Kind::ResponseRetyped, "GET /bodies/response"),
        true,
        "response type changed from `bodies::Thing` to `bodies::OtherThing`",
    );
    // OVH's real "folding": named body parameters become one body model, same JSON.
    assert_change(
        &r,
        ("bodies", Kind::BodyFolded, "POST /bodies/fold"),
        true,
        "named body parameters `name`, `.note()` (setter) folded into one body argument \
         `body: &bodies::FoldInput`: same JSON on the wire, new signature",
    );
    assert!(
        !kinds(&r).iter().any(|k| matches!(
            k,
            Kind::ArgumentRemoved | Kind::SetterRemoved | Kind::BodyAdded
        )),
        "a folding is one change: {}",
        listing(&r)
    );
    // `OldInput` is no longer sent by anyone: it loses its constructor.
    assert_change(
        &r,
        ("bodies", Kind::ConstructorRemoved, "bodies::OldInput"),
        true,
        "`new(name)` removed: no operation uses the type any more, so it is generated like a \
         response type",
    );
}

#[test]
fn struct_fields_break_only_those_who_build_the_struct() {
    let r = report("fields");
    // A response type: users only read it.
    assert_change(
        &r,
        ("fields", Kind::FieldAdded, "fields::Info.extra"),
        false,
        "new field `extra: String` in a type users only read (#[non_exhaustive])",
    );
    assert_change(
        &r,
        ("fields", Kind::FieldRemoved, "fields::Info.gone"),
        true,
        "field `gone: String` removed",
    );
    assert_change(
        &r,
        ("fields", Kind::FieldRetyped, "fields::Info.count"),
        true,
        "type changed from `i64` to `String`",
    );
    assert_change(
        &r,
        ("fields", Kind::FieldRetyped, "fields::Info.maybe"),
        true,
        "made nullable: `String` → `Option<String>`",
    );
    assert_change(
        &r,
        ("fields", Kind::FieldRetyped, "fields::Info.tight"),
        true,
        "made non-null: `Option<String>` → `String`",
    );
    // A request body: callers build it with `new(required fields)`.
    assert_change(
        &r,
        ("fields", Kind::FieldAdded, "fields::Input.comment"),
        false,
        "new optional field `comment: Option<String>` (starts as `None`)",
    );
    assert_change(
        &r,
        ("fields", Kind::FieldAdded, "fields::Input.size"),
        true,
        "new required field `size: i64`: `new(..)` takes one more argument",
    );
    // A response model sent as a POST body: read in one place, built through `ResourceCreate`.
    assert_change(
        &r,
        ("fields", Kind::FieldAdded, "fields::Resource.label"),
        false,
        "new field `label: String` in a type users only read (#[non_exhaustive])",
    );
    assert_change(
        &r,
        ("fields", Kind::FieldAdded, "fields::ResourceCreate.label"),
        true,
        "new required field `label: String`: `new(..)` takes one more argument",
    );
    assert_eq!(r.changes.len(), 9, "{}", listing(&r));
}

#[test]
fn enum_values_by_position() {
    let r = report("enums");
    assert_change(
        &r,
        ("enums", Kind::EnumValueAdded, "enums::StateEnum::Paused"),
        false,
        "new value \"paused\" as variant `Paused` (response position)",
    );
    assert_change(
        &r,
        ("enums", Kind::EnumValueAdded, "enums::KindEnum::Small"),
        false,
        "new value \"small\" as variant `Small` (request position)",
    );
    assert_change(
        &r,
        ("enums", Kind::EnumValueAdded, "enums::ModeEnum::Manual"),
        false,
        "new value \"manual\" as variant `Manual` (request and response position)",
    );
    assert_change(
        &r,
        ("enums", Kind::EnumValueRemoved, "enums::StateEnum::Legacy"),
        true,
        "value \"legacy\" removed: variant `Legacy` disappears (response position)",
    );
    assert_change(
        &r,
        ("enums", Kind::EnumValueRemoved, "enums::KindEnum::OldKind"),
        true,
        "value \"old-kind\" removed: variant `OldKind` disappears (request position)",
    );
    assert_eq!(r.changes.len(), 5, "{}", listing(&r));
}

#[test]
fn models_added_removed_and_merged() {
    let r = report("models");
    assert_change(
        &r,
        ("models", Kind::ModelAdded, "models::Extra"),
        false,
        "new struct (schema model `models.Extra`, used by no operation)",
    );
    assert_change(
        &r,
        ("models", Kind::ModelRemoved, "models::Old"),
        true,
        "type removed (schema model `models.Old`)",
    );
    // Two files now define `shared.Common` differently: the merge is reported for information,
    // the merged type's own change with it.
    assert_change(
        &r,
        (diff::SHARED, Kind::ModelsMerged, "shared::Common"),
        false,
        "several schema files define it differently; merged: other.json adds property `label` \
         (made nullable)",
    );
    assert_change(
        &r,
        (diff::SHARED, Kind::FieldAdded, "shared::Common.label"),
        false,
        "new field `label: Option<String>` in a type users only read (#[non_exhaustive])",
    );
    assert_eq!(
        change(&r, Kind::ModelsMerged, "shared::Common").bump(),
        Bump::Patch
    );
}

#[test]
fn deprecation_and_other_status_changes_do_not_break() {
    let r = report("status");
    assert_change(
        &r,
        ("status", Kind::Deprecated, "GET /status/a"),
        false,
        "deprecated by OVHcloud since 2025-01-01T00:00:00+01:00, removal planned on \
         2025-06-01T00:00:00+01:00; use `/status/b` instead (`#[deprecated]` warns, still compiles)",
    );
    assert_change(
        &r,
        ("status", Kind::StatusChanged, "GET /status/b"),
        false,
        "API status BETA → PRODUCTION",
    );
    assert_eq!(
        change(&r, Kind::Deprecated, "GET /status/a").section(),
        Section::Deprecated
    );
    assert_eq!(r.bump(), Bump::Minor, "a deprecation is a minor change");
}

#[test]
fn v2_schema_version_breaks_on_a_new_major() {
    let r = report("schema_version");
    assert_change(
        &r,
        ("v2_one", Kind::SchemaVersionChanged, "v2 /one"),
        false,
        "schema version (`SCHEMAS_VERSION`, X-Schemas-Version) 1.0 → 1.1: same major version",
    );
    assert_change(
        &r,
        ("v2_two", Kind::SchemaVersionChanged, "v2 /two"),
        true,
        "schema version (`SCHEMAS_VERSION`, X-Schemas-Version) 1.0 → 2.0: new major version",
    );
}

#[test]
fn documentation_only_is_a_patch_and_identical_is_nothing() {
    let r = report("docs_only");
    assert!(r.changes.is_empty(), "{}", listing(&r));
    assert_eq!(r.documentation_changes, 2, "the operation and the model");
    assert_eq!(r.bump(), Bump::Patch);
    assert_eq!(Bump::Patch.zero_x(), "0.x.(y+1)");

    let same = load(&fixture("docs_only", "old"));
    let r = diff::compare(&same, &load(&fixture("docs_only", "old")));
    assert!(r.changes.is_empty() && r.documentation_changes == 0 && !r.files_changed);
    assert_eq!(r.bump(), Bump::None);
    assert!(listing(&r).contains("no change to the generated API"));
}

#[test]
fn unreadable_files_are_warnings_and_said_so() {
    let output = cli_case("unreadable", &[]);
    let (out, err) = (stdout(&output), stderr(&output));
    assert_eq!(output.status.code(), Some(0), "{err}");
    assert!(
        err.contains("warning: new snapshot")
            && err.contains("broken.json: at /apis/0: expected value"),
        "{err}"
    );
    assert!(
        err.contains("warning: old snapshot") && err.contains("late.json"),
        "{err}"
    );
    assert!(
        out.contains(
            "cargo feature `broken` removed with its 1 operation(s) and 0 model(s) only \
             it used (v1/broken.json could not be read in the new snapshot: see the warnings)"
        ),
        "{out}"
    );
    assert!(
        out.contains("(v1/late.json could not be read in the old snapshot: see the warnings)"),
        "{out}"
    );
    assert!(
        !out.contains("readable (v1"),
        "the readable API did not change: {out}"
    );
}

#[test]
fn bad_input_never_panics() {
    for format in ["text", "markdown", "json"] {
        // Files that are not schemas, unknown types, PATCH, duplicates, self-reference, generics.
        for (old, new) in [("old", "new"), ("new", "old"), ("new", "new")] {
            let dirs = (fixture("garbage", old), fixture("garbage", new));
            let output = cli(&["--format", format], (&dirs.0, &dirs.1));
            let err = stderr(&output);
            assert_eq!(output.status.code(), Some(0), "{old} → {new}: {err}");
            assert!(!err.contains("panicked"), "{err}");
        }
    }
    let output = cli_case("garbage", &[]);
    let err = stderr(&output);
    assert!(
        err.contains("empty.json: at (document root): missing field `resourcePath`"),
        "{err}"
    );
    assert!(err.contains("unknown type `weird.Missing`"), "{err}");
    // A directory that is not a snapshot is an error of the command, not a diff.
    let missing = fixture("garbage", "no-such-side");
    let output = cli(&[], (&missing, &fixture("garbage", "new")));
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("is not a directory"));
    let output = cli(&[], (&fixture("garbage", "new"), &fixture("garbage", "")));
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("has neither v1/ nor v2/ schemas"));
}

// --- formats and exit status ---------------------------------------------------------------

#[test]
fn text_format() {
    let output = cli_case("arguments", &[]);
    let text = stdout(&output);
    let expected_start = "old → new\n\nargs (v1 /args)\n  \
        BREAKING   GET /args/added: new required argument `limit: i64`\n";
    assert!(text.starts_with(expected_start), "{text}");
    assert!(
        text.contains("  added      GET /args/optional: new optional setter `.sort(&str)`\n"),
        "{text}"
    );
    assert!(
        text.contains(
            "\n8 change(s): 7 breaking, 1 added, 0 changed, 0 deprecated; 0 documentation-only \
             change(s)\n"
        ),
        "{text}"
    );
    assert!(
        text.ends_with("semver: major (breaking changes); for a 0.x crate: 0.(x+1).0\n"),
        "{text}"
    );
    let status = stdout(&cli_case("status", &["--format", "text"]));
    assert!(
        status.contains("  deprecated GET /status/a: deprecated by OVHcloud since"),
        "{status}"
    );
    assert!(
        status.ends_with(
            "semver: minor (additions only, nothing that compiled breaks); for a 0.x crate: \
             0.x.(y+1)\n"
        ),
        "{status}"
    );
}

#[test]
fn markdown_format_is_a_changelog_entry() {
    let md = stdout(&cli_case("enums", &["--format", "markdown"]));
    let expected = "## new

Generated API compared with old: 5 change(s): 2 breaking, 3 added, 0 changed, 0 deprecated; 0 documentation-only change(s).

### Breaking changes

#### `enums` (v1 `/enums`)

- `enums::KindEnum::OldKind`: value \"old-kind\" removed: variant `OldKind` disappears (request position)
- `enums::StateEnum::Legacy`: value \"legacy\" removed: variant `Legacy` disappears (response position)

### Added

#### `enums` (v1 `/enums`)

- `enums::KindEnum::Small`: new value \"small\" as variant `Small` (request position)
- `enums::ModeEnum::Manual`: new value \"manual\" as variant `Manual` (request and response position)
- `enums::StateEnum::Paused`: new value \"paused\" as variant `Paused` (response position)

**Semver:** major (breaking changes); for a 0.x crate: 0.(x+1).0.
";
    assert_eq!(md, expected);

    let md = stdout(&cli_case("status", &["--format", "markdown"]));
    let sections: Vec<&str> = md.lines().filter(|l| l.starts_with("### ")).collect();
    assert_eq!(sections, ["### Changed", "### Deprecated"], "{md}");
    let md = stdout(&cli_case("models", &["--format", "markdown"]));
    assert!(md.contains("#### models shared by several APIs\n"), "{md}");
}

#[test]
fn json_format_is_machine_readable() {
    let output = cli_case("fields", &["--format", "json"]);
    let json: serde_json::Value = serde_json::from_str(&stdout(&output)).expect("valid JSON");
    assert_eq!(json["old"], "old");
    assert_eq!(json["new"], "new");
    let changes = json["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 9);
    let size = changes
        .iter()
        .find(|c| c["item"] == "fields::Input.size")
        .expect("fields::Input.size");
    assert_eq!(
        size,
        &serde_json::json!({
            "api": "fields",
            "kind": "field_added",
            "item": "fields::Input.size",
            "breaking": true,
            "section": "breaking",
            "reason": "new required field `size: i64`: `new(..)` takes one more argument",
        })
    );
    let totals = &json["totals"];
    assert_eq!(totals["changes"], 9);
    assert_eq!(totals["breaking"], 6);
    assert_eq!(totals["non_breaking"], 3);
    assert_eq!(totals["added"], 3);
    assert_eq!(totals["by_kind"]["field_added"], 5);
    assert_eq!(totals["by_kind"]["field_retyped"], 3);
    assert_eq!(
        json["bump"], "major",
        "a bare level, as scripts/release.sh reads it"
    );
    assert_eq!(json["bump_reason"], "breaking changes");
    assert_eq!(json["bump_zero_x"], "0.(x+1).0");

    let json: serde_json::Value =
        serde_json::from_str(&stdout(&cli_case("docs_only", &["--format", "json"]))).unwrap();
    assert_eq!(json["changes"], serde_json::json!([]));
    assert_eq!(json["totals"]["documentation_only"], 2);
    assert_eq!(json["bump"], "patch");
    assert_eq!(json["bump_zero_x"], "0.x.(y+1)");
}

#[test]
fn fail_on_breaking_sets_the_exit_status() {
    let code = |case: &str, args: &[&str]| cli_case(case, args).status.code();
    assert_eq!(code("arguments", &["--fail-on", "breaking"]), Some(1));
    assert_eq!(code("arguments", &[]), Some(0), "only with --fail-on");
    assert_eq!(
        code("status", &["--fail-on", "breaking"]),
        Some(0),
        "deprecations do not break"
    );
    assert_eq!(code("docs_only", &["--fail-on", "breaking"]), Some(0));
    assert_eq!(
        code("enums", &["--format", "json", "--fail-on", "breaking"]),
        Some(1)
    );
}

#[test]
fn output_is_deterministic_and_sorted() {
    for case in ["fields", "models", "arguments", "garbage"] {
        for format in ["text", "markdown", "json"] {
            let first = stdout(&cli_case(case, &["--format", format]));
            let second = stdout(&cli_case(case, &["--format", format]));
            assert_eq!(first, second, "{case} {format}");
        }
    }
    for case in ["fields", "models", "bodies", "enums", "arguments"] {
        assert_sorted(&report(case));
    }
}

fn assert_sorted(report: &Report) {
    let key = |c: &Change| {
        (
            c.api == diff::SHARED,
            c.api.clone(),
            c.item.clone(),
            c.kind,
            c.reason.clone(),
        )
    };
    for pair in report.changes.windows(2) {
        assert!(
            key(&pair[0]) < key(&pair[1]),
            "{:?} before {:?}",
            pair[0],
            pair[1]
        );
    }
}

// --- a real bump -----------------------------------------------------------------------------

/// The older real v1 snapshot (2024-06-07, no v2, no lock) against the repository's current
/// one (v1 and v2). The expected figures were checked by hand against the JSON files and agree
/// with `../shared/ovh-schemas-history/diff-2024-06-07-vs-current.json` where both count the
/// same thing (that summary counts models and enum values per file, this diff per Rust type).
#[test]
fn real_bump_2024_06_07_to_current() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let old_dir = root.join("../shared/ovh-schemas-history/2024-06-07");
    let new_dir = root.join("schemas");
    if !old_dir.join("v1").is_dir() || !new_dir.join("v1").is_dir() {
        println!(
            "skipped: {} or {} is missing",
            old_dir.display(),
            new_dir.display()
        );
        return;
    }
    let old = load(&old_dir);
    let new = load(&new_dir);
    let r = diff::compare(&old, &new);
    assert_eq!(r.bump(), Bump::Major);
    assert_eq!(r.old_label, "2024-06-07");

    // /license/hycu appeared, /webPaaS is gone.
    let hycu = change(&r, Kind::ApiAdded, "v1 /license/hycu");
    assert!(!hycu.breaking && hycu.api == "license_hycu", "{hycu:?}");
    assert!(
        hycu.reason.contains("accessor `client.license_hycu()`"),
        "{hycu:?}"
    );
    let web_paas = change(&r, Kind::ApiRemoved, "v1 /webPaaS");
    assert!(web_paas.breaking, "{web_paas:?}");
    // A removed operation: 2024 has GET /cloud/order/rule/instanceCategory, the current not.
    assert_change(
        &r,
        (
            "cloud",
            Kind::OperationRemoved,
            "GET /cloud/order/rule/instanceCategory",
        ),
        true,
        "method `get_order_rule_instance_category` removed",
    );
    // An added enum value: cloud.RegionContinentEnum gained "AF".
    assert_change(
        &r,
        (
            "cloud",
            Kind::EnumValueAdded,
            "cloud::RegionContinentEnum::Af",
        ),
        false,
        "new value \"AF\" as variant `Af` (response position)",
    );
    // A removed one: dedicated.server.BootTypeEnum lost "ipxeCustomerScript".
    let boot = change(
        &r,
        Kind::EnumValueRemoved,
        "dedicated::server::BootTypeEnum::IpxeCustomerScript",
    );
    assert!(boot.breaking, "{boot:?}");
    // The one new required body (the summary's "required parameter added").
    let fork = change(
        &r,
        Kind::BodyAdded,
        "POST /cloud/project/{serviceName}/ai/notebook/{notebookId}/backup/{backupId}/fork",
    );
    assert_eq!(
        fork.reason,
        "new body argument `body: &cloud::project::ai::notebook::NotebookForkInfo`"
    );
    // Named body parameters folded into a body model (POST …/changeContact and others).
    let contact = change(
        &r,
        Kind::BodyFolded,
        "POST /dedicated/ceph/{serviceName}/changeContact",
    );
    assert!(
        contact.breaking
            && contact
                .reason
                .contains("folded into one body argument `body: &services::ChangeContact`"),
        "{contact:?}"
    );

    let counts = r.by_kind();
    let count = |kind: Kind| counts.get(kind.as_str()).copied().unwrap_or(0);
    // Same figures as the independent summary.
    assert_eq!(count(Kind::OperationAdded), 552);
    assert_eq!(count(Kind::OperationRemoved), 173);
    assert_eq!(count(Kind::Deprecated), 602, "operations newly DEPRECATED");
    assert_eq!(count(Kind::BodyFolded), 26);
    assert_eq!(count(Kind::SetterAdded), 36, "optional parameters added");
    assert_eq!(
        count(Kind::ArgumentMadeOptional),
        10,
        "required flag changed"
    );
    assert_eq!(
        count(Kind::ArgumentRemoved) + count(Kind::SetterRemoved),
        4,
        "parameters removed"
    );
    assert_eq!(count(Kind::ApiRemoved), 1);
    assert_eq!(count(Kind::ApiAdded), 15, "license_hycu and the 14 v2 APIs");
    assert!(r.breaking() > 500, "{}", r.breaking());

    // The same inputs give the same report.
    assert_eq!(r, diff::compare(&old, &new));
}
