//! Parity of the two readers: OVH serves each API in its native format and as OpenAPI 3
//! (`?format=openapi3`). Reading the OpenAPI rendition must give the operations, arguments and
//! model shapes the native file gives. The renditions (`../shared/ovh-openapi3/`, fetched
//! 2025-10-02) and the native snapshot (`../shared/ovh-schemas/`, 2026-04 to 2026-08) are of
//! different days, so what exists on one side only is counted, not compared; everything present
//! on both sides is compared, and each kind of difference is either accepted below (with why)
//! or a failure.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use ovhcloud_schema::model::{self, Ir, ModelKind, ParamLocation, TypeRef};
use ovhcloud_schema::{openapi, reader};

/// Each rendition and the native file of the same API.
const PAIRS: &[(&str, &str)] = &[
    ("v1/baremetal.json", "v1/dedicated_server.json"),
    ("v1/dedicatedceph.json", "v1/dedicated_ceph.json"),
    ("v1/dedicatednasha.json", "v1/dedicated_nasha.json"),
    ("v1/domain.json", "v1/domain.json"),
    ("v1/emailmxplan.json", "v1/email_mxplan.json"),
    ("v1/emailpro.json", "v1/email_pro.json"),
    (
        "v1/hostingprivatedatabase.json",
        "v1/hosting_privateDatabase.json",
    ),
    ("v1/ip.json", "v1/ip.json"),
    ("v1/iploadbalancing.json", "v1/ipLoadbalancing.json"),
    ("v1/ldp.json", "v1/dbaas_logs.json"),
    ("v1/me.json", "v1/me.json"),
    ("v1/overthebox.json", "v1/overTheBox.json"),
    ("v1/ovhcloudconnect.json", "v1/ovhCloudConnect.json"),
    ("v1/packxdsl.json", "v1/pack_xdsl.json"),
    ("v1/sms.json", "v1/sms.json"),
    ("v1/sslgateway.json", "v1/sslGateway.json"),
    ("v1/storagenetapp.json", "v1/storage.json"),
    ("v1/telephony.json", "v1/telephony.json"),
    ("v1/vps.json", "v1/vps.json"),
    ("v1/vrack.json", "v1/vrack.json"),
    ("v1/webhosting.json", "v1/hosting_web.json"),
    ("v1/xdsl.json", "v1/xdsl.json"),
    ("v2/cloud_v2.json", "v2/publicCloud.json"),
    ("v2/iam.json", "v2/iam.json"),
    (
        "v2/vmwareclouddirectorbackup.json",
        "v2/vmwareCloudDirector.json",
    ),
    (
        "v2/vmwareclouddirectororganization.json",
        "v2/vmwareCloudDirector.json",
    ),
    ("v2/vrackservices.json", "v2/vrackServices.json"),
];

fn shared() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared");
    dir.join("ovh-openapi3").is_dir().then_some(dir)
}

fn native(path: &Path) -> Ir {
    let bytes = std::fs::read(path).unwrap();
    let doc = reader::parse_schema(path, &bytes).unwrap();
    let branch = if path.parent().unwrap().ends_with("v2") {
        reader::Branch::V2
    } else {
        reader::Branch::V1
    };
    model::build(vec![reader::LoadedSchema {
        branch,
        file: path.to_owned(),
        sha256: String::new(),
        size: bytes.len() as u64,
        doc,
    }])
}

fn rendition(path: &Path) -> (Ir, usize) {
    let read = openapi::load(path).unwrap_or_else(|e| panic!("{e}"));
    let warnings = read.warnings.len();
    (model::build(vec![read.schema]), warnings)
}

/// A type as both readers can say it: aliases resolved (the rendition has no alias names),
/// `text` as `string` (the rendition writes both as a string), and a generic model's instance
/// named as the rendition names its copy (`complexType.UnitAndValue<T>` of `long` is
/// `complexType.UnitAndValue_long`).
fn plain(ty: &TypeRef) -> String {
    match ty {
        TypeRef::Alias { target, .. } => plain(target),
        TypeRef::Array(inner) => format!("{}[]", plain(inner)),
        TypeRef::Map(k, v) => format!("map[{}]{}", plain(k), plain(v)),
        TypeRef::Model { key, args } if !args.is_empty() => {
            let args: Vec<String> = args.iter().map(plain).collect();
            let base = key.split('<').next().unwrap_or(key);
            format!("{base}_{}", args.join("_"))
        }
        TypeRef::Model { key, .. } => key.clone(),
        TypeRef::Primitive(ovhcloud_schema::typeexpr::Primitive::Text) => "string".to_owned(),
        TypeRef::Primitive(p) => p.name().to_owned(),
        TypeRef::Param(p) => p.clone(),
        TypeRef::Unit => "void".to_owned(),
    }
}

type Differences = BTreeMap<&'static str, Vec<String>>;

fn compare(
    api: &str,
    native: &Ir,
    ours: &Ir,
    out: &mut Differences,
    counts: &mut BTreeMap<&'static str, usize>,
) {
    let ops = |ir: &Ir| -> BTreeMap<(String, String), model::Operation> {
        ir.apis
            .iter()
            .flat_map(|a| &a.operations)
            .map(|o| ((o.method.as_str().to_owned(), o.path.clone()), o.clone()))
            .collect()
    };
    let (theirs, mine) = (ops(native), ops(ours));
    for key in theirs.keys().filter(|k| !mine.contains_key(*k)) {
        out.entry("operation only in the native file")
            .or_default()
            .push(format!("{api} {} {}", key.0, key.1));
    }
    for key in mine.keys().filter(|k| !theirs.contains_key(*k)) {
        out.entry("operation only in the rendition")
            .or_default()
            .push(format!("{api} {} {}", key.0, key.1));
    }
    for (key, n) in &theirs {
        let Some(o) = mine.get(key) else { continue };
        *counts.entry("operations compared").or_default() += 1;
        let at = format!("{api} {} {}", key.0, key.1);
        let params = |op: &model::Operation| -> BTreeMap<String, (String, bool, String)> {
            op.params
                .iter()
                .map(|p| {
                    let loc = match p.location {
                        ParamLocation::Path => "path",
                        ParamLocation::Query => "query",
                        ParamLocation::Header => "header",
                        ParamLocation::BodyField => "body",
                    };
                    (p.name.clone(), (loc.to_owned(), p.required, plain(&p.ty)))
                })
                .collect()
        };
        let (pn, po) = (params(n), params(o));
        for (name, v) in &pn {
            match po.get(name) {
                None => out
                    .entry("argument missing")
                    .or_default()
                    .push(format!("{at}: {name} {v:?}")),
                Some(w) if w != v => out
                    .entry("argument differs")
                    .or_default()
                    .push(format!("{at}: {name} native {v:?}, rendition {w:?}")),
                _ => {}
            }
        }
        for name in po.keys().filter(|k| !pn.contains_key(*k)) {
            out.entry("argument added")
                .or_default()
                .push(format!("{at}: {name} {:?}", po[name]));
        }
        let body = |op: &model::Operation| op.body.as_ref().map(|b| plain(&b.ty));
        if body(n) != body(o) {
            out.entry("body differs").or_default().push(format!(
                "{at}: native {:?}, rendition {:?}",
                body(n),
                body(o)
            ));
        }
        if plain(&n.response) != plain(&o.response) {
            out.entry("response differs").or_default().push(format!(
                "{at}: native {}, rendition {}",
                plain(&n.response),
                plain(&o.response)
            ));
        }
        if n.authenticated != o.authenticated {
            out.entry("authentication differs")
                .or_default()
                .push(at.clone());
        }
        if n.status.stability != o.status.stability {
            out.entry("status differs").or_default().push(format!(
                "{at}: native {:?}, rendition {:?}",
                n.status.stability, o.status.stability
            ));
        }
        let iam = |op: &model::Operation| {
            op.iam_actions
                .iter()
                .map(|a| (a.name.clone(), a.required))
                .collect::<BTreeSet<_>>()
        };
        if iam(n) != iam(o) {
            out.entry("IAM actions differ")
                .or_default()
                .push(at.clone());
        }
    }
    for (key, n) in &native.models {
        let Some(o) = ours.models.get(key) else {
            out.entry("model only in the native file")
                .or_default()
                .push(format!("{api} {key}"));
            continue;
        };
        *counts.entry("models compared").or_default() += 1;
        match (&n.kind, &o.kind) {
            (ModelKind::Enum(a), ModelKind::Enum(b)) => {
                if a != b {
                    out.entry("enum values differ")
                        .or_default()
                        .push(format!("{api} {key}"));
                }
            }
            (
                ModelKind::Object {
                    properties: a,
                    generics: ga,
                },
                ModelKind::Object {
                    properties: b,
                    generics: gb,
                },
            ) => {
                if ga != gb {
                    out.entry("generics differ")
                        .or_default()
                        .push(format!("{api} {key}: {ga:?} vs {gb:?}"));
                }
                let props =
                    |ps: &Vec<model::Property>| -> BTreeMap<String, (String, bool, bool, bool)> {
                        ps.iter()
                            .map(|p| {
                                (
                                    p.name.clone(),
                                    (plain(&p.ty), p.nullable, p.read_only, p.required),
                                )
                            })
                            .collect()
                    };
                let (pa, pb) = (props(a), props(b));
                for (name, v) in &pa {
                    match pb.get(name) {
                        None => out
                            .entry("member missing")
                            .or_default()
                            .push(format!("{api} {key}.{name}")),
                        Some(w) if w.0 != v.0 => {
                            out.entry("member type differs").or_default().push(format!(
                                "{api} {key}.{name}: native {}, rendition {}",
                                v.0, w.0
                            ))
                        }
                        Some(w) if w != v => out
                            .entry("member flags differ")
                            .or_default()
                            .push(format!("{api} {key}.{name}: native {v:?}, rendition {w:?}")),
                        _ => {}
                    }
                }
                for name in pb.keys().filter(|k| !pa.contains_key(*k)) {
                    out.entry("member added")
                        .or_default()
                        .push(format!("{api} {key}.{name}"));
                }
            }
            _ => out
                .entry("model kind differs")
                .or_default()
                .push(format!("{api} {key}")),
        }
    }
    for key in ours
        .models
        .keys()
        .filter(|k| !native.models.contains_key(*k))
    {
        out.entry("model only in the rendition")
            .or_default()
            .push(format!("{api} {key}"));
    }
}

#[test]
fn openapi_renditions_read_like_the_native_files() {
    let Some(shared) = shared() else {
        eprintln!("SKIPPED: ../shared/ovh-openapi3 is not there");
        return;
    };
    let mut differences = Differences::new();
    let mut counts = BTreeMap::new();
    for (rendition_file, native_file) in PAIRS {
        let (ours, warnings) = rendition(&shared.join("ovh-openapi3").join(rendition_file));
        *counts.entry("reader warnings").or_default() += warnings;
        let native = native(&shared.join("ovh-schemas").join(native_file));
        compare(
            rendition_file,
            &native,
            &ours,
            &mut differences,
            &mut counts,
        );
    }
    let found: Vec<String> = differences
        .iter()
        .flat_map(|(what, list)| list.iter().map(move |line| format!("{what}: {line}")))
        .collect();
    let accepted_file =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/openapi_parity_accepted.txt");
    let text = std::fs::read_to_string(&accepted_file).unwrap_or_default();
    let header: Vec<&str> = text.lines().take_while(|l| l.starts_with('#')).collect();
    let accepted: BTreeSet<&str> = text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .collect();
    let found_set: BTreeSet<&str> = found.iter().map(String::as_str).collect();
    for (what, n) in &counts {
        eprintln!("{what}: {n}");
    }
    if std::env::var_os("UPDATE_PARITY").is_some() {
        let mut out = header.join("\n");
        out.push('\n');
        for line in &found_set {
            out.push_str(line);
            out.push('\n');
        }
        std::fs::write(&accepted_file, out).unwrap();
        return;
    }
    let new: Vec<&&str> = found_set.difference(&accepted).collect();
    let gone: Vec<&&str> = accepted.difference(&found_set).collect();
    assert!(
        new.is_empty() && gone.is_empty(),
        "the readers disagree where they did not ({} new differences), or agree where they did not ({} gone); \
         check each, then accept with UPDATE_PARITY=1:\n  new: {:#?}\n  gone: {:#?}",
        new.len(),
        gone.len(),
        &new[..new.len().min(30)],
        &gone[..gone.len().min(30)],
    );
    let compared = counts["operations compared"];
    assert!(compared > 2500, "only {compared} operations compared");
}
