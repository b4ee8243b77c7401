//! `ovhcloud-codegen fetch` against the emulator, which serves the fixture schemas
//! (`codegen/tests/fixtures/schemas`) with fault injection on listings and schema files:
//! byte-exact snapshots, retries through faults, and a snapshot directory that is either fully
//! replaced or left exactly as it was.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ovhcloud_codegen::fetch::{fetch, run_cli_with, Failure, FetchArgs, FetchError, FetchOptions};
use ovhcloud_codegen::manifest::{self, sha256_hex};
use ovhcloud_codegen::{generate, Selection};
use ovhcloud_emulator::{Emulator, EmulatorConfig, Faults};

/// A directory of its own under the system's temporary directory, removed when dropped. The
/// snapshot goes in `snap` inside it, so the staging directory (a sibling of the snapshot)
/// lands in it too and can be checked for.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let dir =
            std::env::temp_dir().join(format!("ovhcloud-fetch-test-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    fn snap(&self) -> PathBuf {
        self.0.join("snap")
    }

    /// Names in the scratch directory: `["snap"]` after a fetch, nothing staged left over.
    fn entries(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(&self.0)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Fast retries: tests must not wait for real backoff (nor for the injected 429's
/// `Retry-After: 1`, capped by `max_retry_delay`).
fn options(emu: &Emulator, out: &Path) -> FetchOptions {
    FetchOptions {
        retry_delay: Duration::from_millis(2),
        max_retry_delay: Duration::from_millis(20),
        timeout: Duration::from_secs(20),
        ..FetchOptions::new(emu.endpoint(), out)
    }
}

/// Every file under `dir`, by path relative to it.
fn tree(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let bytes = std::fs::read(&path).unwrap();
                out.insert(path.strip_prefix(root).unwrap().to_owned(), bytes);
            }
        }
    }
    let mut files = BTreeMap::new();
    walk(dir, dir, &mut files);
    files
}

/// The fixture's schema files (listings and lock left out), by relative path.
fn fixture_schemas() -> BTreeMap<PathBuf, Vec<u8>> {
    tree(&common::schemas())
        .into_iter()
        .filter(|(path, _)| {
            (path.starts_with("v1") || path.starts_with("v2")) && !path.ends_with("_index.json")
        })
        .collect()
}

/// Asserts that `dir` holds exactly the fixture's schema files, byte for byte, plus the two
/// listings, the lock and the `kept` files.
fn assert_exact_snapshot(dir: &Path, kept: &[&str]) {
    let fetched = tree(dir);
    let expected = fixture_schemas();
    for (path, bytes) in &expected {
        let got = fetched
            .get(path)
            .unwrap_or_else(|| panic!("{} missing", path.display()));
        assert!(got == bytes, "{} differs from the fixture", path.display());
    }
    let mut extra: Vec<&Path> = fetched
        .keys()
        .filter(|p| !expected.contains_key(*p))
        .map(PathBuf::as_path)
        .collect();
    extra.sort();
    let mut wanted: Vec<&Path> = ["manifest.json", "v1/_index.json", "v2/_index.json"]
        .iter()
        .chain(kept)
        .map(Path::new)
        .collect();
    wanted.sort();
    assert_eq!(extra, wanted);
}

async fn start_with(faults: Faults) -> Emulator {
    Emulator::start(common::config().faults(faults))
        .await
        .expect("the emulator starts")
}

#[tokio::test]
async fn clean_fetch_is_byte_exact_with_a_complete_lock() {
    let emu = common::start().await;
    let scratch = Scratch::new("clean");
    let out = scratch.snap();
    let report = fetch(&options(&emu, &out)).await.expect("fetch succeeds");
    assert_eq!((report.v1_apis, report.v2_apis), (7, 2));
    assert_eq!(report.files, 11);
    assert_eq!(report.retries, 0);
    assert!(report.warnings.is_empty(), "{:?}", report.warnings);
    assert!(report.notes.is_empty(), "{:?}", report.notes);
    assert_exact_snapshot(&out, &[]);
    assert_eq!(scratch.entries(), ["snap"]);
    assert_eq!(
        report.bytes,
        tree(&out)
            .iter()
            .filter(|(p, _)| !p.ends_with("manifest.json"))
            .map(|(_, b)| b.len() as u64)
            .sum::<u64>()
    );

    // The listings, as served.
    for (alias, dir) in [("/1.0/", "v1"), ("/v2/", "v2")] {
        let served = reqwest::get(format!("{}{alias}", emu.base_url()))
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        let saved = std::fs::read(out.join(dir).join("_index.json")).unwrap();
        assert_eq!(saved, served.to_vec(), "{dir}/_index.json");
    }

    // The lock: every API, with hash, size and where and when it came from.
    let lock = manifest::load(&out).unwrap().expect("a lock");
    assert_eq!(lock.format, manifest::FORMAT);
    assert_eq!(lock.apis.len(), 9);
    let fixtures = common::schemas();
    for entry in &lock.apis {
        let bytes = std::fs::read(fixtures.join(&entry.file)).unwrap();
        assert_eq!(entry.sha256, sha256_hex(&bytes), "{}", entry.file);
        assert_eq!(entry.size, bytes.len() as u64, "{}", entry.file);
        let source = entry.source.as_ref().expect("a source");
        assert_eq!(source.endpoint, emu.endpoint());
        let branch = if entry.branch == "v1" { "1.0" } else { "v2" };
        assert_eq!(
            source.url,
            format!("{}/{branch}{}.json", emu.base_url(), entry.api)
        );
        let at = chrono::DateTime::parse_from_rfc3339(&source.fetched_at)
            .unwrap_or_else(|e| panic!("{}: {e}", source.fetched_at));
        assert!(source.fetched_at.ends_with('Z'));
        assert!((chrono::Utc::now() - at.to_utc()).num_seconds().abs() < 120);
        assert!(!entry.methods.is_empty() || entry.operations == 0);
    }

    // The snapshot generates cleanly, and its lock verifies.
    let generation = generate(&out, &Selection::All).unwrap();
    let errors: Vec<String> = generation.errors().map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:#?}");
    assert_eq!(generation.summary().apis, 9);

    // A second fetch replaces it with the same bytes (the lock differs by its dates only).
    let before = tree(&out);
    fetch(&options(&emu, &out)).await.unwrap();
    let after = tree(&out);
    for (path, bytes) in &before {
        if !path.ends_with("manifest.json") {
            assert!(&after[path] == bytes, "{}", path.display());
        }
    }
    assert_eq!(scratch.entries(), ["snap"]);
}

#[tokio::test]
async fn faults_on_schema_documents_are_retried_through() {
    let emu = start_with(Faults {
        error_rate: 0.3,
        drop_rate: 0.1,
        truncate_rate: 0.2,
        ..Faults::default()
    })
    .await;
    let scratch = Scratch::new("faults");
    let out = scratch.snap();
    // Nearly half the requests fail: 16 attempts make a failure of the whole run very unlikely
    // (about 1 in 10^4).
    let opts = FetchOptions {
        attempts: 16,
        concurrency: 4,
        ..options(&emu, &out)
    };
    let report = fetch(&opts).await.unwrap_or_else(|e| panic!("{e}"));
    assert_exact_snapshot(&out, &[]);
    let stats = emu.stats();
    assert!(stats.injected_faults() > 0, "{stats:?}");
    // Every fault cost exactly one retry: none got through unnoticed.
    assert_eq!(
        u64::from(report.retries),
        stats.injected_faults(),
        "{stats:?}"
    );
    assert!(generate(&out, &Selection::All)
        .unwrap()
        .errors()
        .next()
        .is_none());
    assert_eq!(scratch.entries(), ["snap"]);
}

#[tokio::test]
async fn truncated_documents_are_never_accepted() {
    // The first 11 answers (as many as there are listings and files) are cut in half, a 200
    // with a consistent Content-Length: only the JSON check can tell.
    let emu = start_with(Faults {
        truncate_rate: 1.0,
        max_faults: Some(11),
        ..Faults::default()
    })
    .await;
    let scratch = Scratch::new("truncated");
    let out = scratch.snap();
    let report = fetch(&FetchOptions {
        attempts: 12,
        ..options(&emu, &out)
    })
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(emu.stats().faults.get("truncate"), Some(&11));
    assert_eq!(report.retries, 11);
    assert_exact_snapshot(&out, &[]);
}

/// A failing fetch: the error, and a snapshot left exactly as it was with nothing staged
/// left behind.
async fn assert_failure_leaves_snapshot(emu: &Emulator, scratch: &Scratch) -> FetchError {
    let out = scratch.snap();
    let before = tree(&out);
    let error = fetch(&options(emu, &out))
        .await
        .expect_err("the fetch must fail");
    assert!(tree(&out) == before, "the snapshot changed");
    assert_eq!(scratch.entries(), ["snap"]);
    error
}

#[tokio::test]
async fn a_file_that_always_fails_leaves_the_snapshot_untouched() {
    let emu = common::start().await;
    let scratch = Scratch::new("always-fails");
    fetch(&options(&emu, &scratch.snap())).await.unwrap();
    emu.set_faults(Faults {
        error_rate: 1.0,
        only_paths: Some(vec!["/1.0/me.json".to_owned()]),
        ..Faults::default()
    });
    let error = assert_failure_leaves_snapshot(&emu, &scratch).await;
    let url = format!("{}/1.0/me.json", emu.base_url());
    let text = error.to_string();
    assert!(
        text.contains(&url) && text.contains("after 4 attempts"),
        "{text}"
    );
    match &error {
        FetchError::Download {
            url: failed,
            attempts: 4,
            failure: Failure::Status { status, message },
            ..
        } => {
            assert_eq!(failed, &url);
            assert!([500, 502, 503, 504, 429].contains(status), "{status}");
            assert!(message.is_some(), "OVH's message is kept");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(emu.stats().faults_by_operation["GET /1.0/me.json"], 4);
}

#[tokio::test]
async fn a_file_always_truncated_fails_as_invalid_json() {
    let emu = common::start().await;
    let scratch = Scratch::new("always-truncated");
    fetch(&options(&emu, &scratch.snap())).await.unwrap();
    std::fs::write(scratch.snap().join("SOURCES.md"), "hand-written\n").unwrap();
    emu.set_faults(Faults {
        truncate_rate: 1.0,
        only_paths: Some(vec!["/v2/iam.json".to_owned()]),
        ..Faults::default()
    });
    let error = assert_failure_leaves_snapshot(&emu, &scratch).await;
    let text = error.to_string();
    assert!(
        text.contains(&format!("{}/v2/iam.json", emu.base_url()))
            && text.contains("truncated or invalid JSON at line"),
        "{text}"
    );
    assert!(matches!(
        error,
        FetchError::Download {
            failure: Failure::InvalidJson { .. },
            attempts: 4,
            ..
        }
    ));
}

#[tokio::test]
async fn a_failing_listing_leaves_the_snapshot_untouched() {
    let emu = common::start().await;
    let scratch = Scratch::new("listing-fails");
    fetch(&options(&emu, &scratch.snap())).await.unwrap();
    emu.set_faults(Faults {
        drop_rate: 1.0,
        only_paths: Some(vec!["GET /v2/".to_owned()]),
        ..Faults::default()
    });
    // `GET /v2/` also matches every v2 file key; the listing is the first to fail.
    let error = assert_failure_leaves_snapshot(&emu, &scratch).await;
    let text = error.to_string();
    assert!(
        text.contains(&format!("{}/v2/", emu.base_url())) && text.contains("connection error"),
        "{text}"
    );
}

#[tokio::test]
async fn a_listed_file_that_is_not_served_is_a_404_failure() {
    // A copy of the fixtures whose v1 listing names an API without a file.
    let scratch = Scratch::new("missing-file");
    let schemas = scratch.0.join("schemas");
    for (path, bytes) in tree(&common::schemas()) {
        let dest = schemas.join(path);
        std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
        std::fs::write(dest, bytes).unwrap();
    }
    let index = schemas.join("v1/_index.json");
    let mut listing: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&index).unwrap()).unwrap();
    listing["apis"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({
            "path": "/dedicated/missing",
            "schema": "{path}.{format}",
            "format": ["json", "yaml"],
            "description": ""
        }));
    std::fs::write(&index, serde_json::to_vec_pretty(&listing).unwrap()).unwrap();
    let emu = Emulator::start(EmulatorConfig::new(&schemas))
        .await
        .expect("the emulator starts");
    let out = scratch.snap();
    let error = fetch(&options(&emu, &out)).await.expect_err("a 404");
    let text = error.to_string();
    let url = format!("{}/1.0/dedicated/missing.json", emu.base_url());
    assert!(
        text.contains(&url)
            && text.contains("404")
            && text.contains("the listing names a file the endpoint does not serve"),
        "{text}"
    );
    // Not retried.
    assert!(
        matches!(
            error,
            FetchError::Download {
                attempts: 1,
                failure: Failure::NotServed { .. },
                ..
            }
        ),
        "{error:?}"
    );
    assert!(!out.exists());
    assert_eq!(scratch.entries(), ["schemas"]);
}

#[tokio::test]
async fn api_selection_refreshes_only_those_and_keeps_the_rest() {
    let emu = common::start().await;
    let scratch = Scratch::new("partial");
    let out = scratch.snap();
    fetch(&options(&emu, &out)).await.unwrap();
    let lock_before = manifest::load(&out).unwrap().unwrap();
    std::fs::write(out.join("SOURCES.md"), "hand-written\n").unwrap();
    // A stale copy of /me, which the refresh must replace.
    std::fs::write(out.join("v1/me.json"), b"{\"resourcePath\":\"/me\"}").unwrap();
    let before = tree(&out);

    // Unknown names: an error listing what exists, nothing changed.
    let error = fetch(&FetchOptions {
        apis: vec!["/nope".to_owned(), "me".to_owned()],
        ..options(&emu, &out)
    })
    .await
    .expect_err("unknown API");
    let text = error.to_string();
    assert!(
        text.contains("/nope") && text.contains("ovhCloudConnect") && text.contains("v2_iam"),
        "{text}"
    );
    match &error {
        FetchError::UnknownApis { requested, .. } => assert_eq!(requested, &["/nope"]),
        other => panic!("{other:?}"),
    }
    assert!(tree(&out) == before);

    emu.reset_stats();
    let report = fetch(&FetchOptions {
        apis: vec!["/me".to_owned(), "v2_iam".to_owned()],
        ..options(&emu, &out)
    })
    .await
    .unwrap();
    assert_eq!((report.v1_apis, report.v2_apis), (1, 1));
    assert_eq!(report.files, 4, "two listings, two files");
    // Two listings and two files were requested, nothing else.
    assert_eq!(emu.stats().requests, 4);
    let after = tree(&out);
    assert_exact_snapshot(&out, &["SOURCES.md"]);
    assert_eq!(after[Path::new("SOURCES.md")], b"hand-written\n");
    for (path, bytes) in &before {
        let refreshed = ["v1/me.json", "v2/iam.json", "manifest.json"]
            .iter()
            .any(|p| path == Path::new(p));
        if !refreshed {
            assert!(&after[path] == bytes, "{} changed", path.display());
        }
    }
    // The lock: every API still there with its method names; kept files keep their source.
    let lock = manifest::load(&out).unwrap().unwrap();
    assert_eq!(lock.apis.len(), lock_before.apis.len());
    for (new, old) in lock.apis.iter().zip(&lock_before.apis) {
        assert_eq!(new.file, old.file);
        assert_eq!(new.sha256, old.sha256);
        assert_eq!(new.methods, old.methods);
        assert!(new.source.is_some(), "{}", new.file);
        if new.file != "v1/me.json" && new.file != "v2/iam.json" {
            assert_eq!(new.source, old.source, "{}", new.file);
        }
    }
    assert!(generate(&out, &Selection::All)
        .unwrap()
        .errors()
        .next()
        .is_none());
    assert_eq!(scratch.entries(), ["snap"]);
}

#[tokio::test]
async fn an_endpoint_without_v2_is_fetched_v1_only() {
    // An emulator with v1 schemas only still answers `/v2/` (an empty listing); a server that
    // answers 404 there is what kimsufi and soyoustart do. Faults make `/v2/` a 404.
    let emu = start_with(Faults {
        error_rate: 1.0,
        error_statuses: vec![404],
        only_paths: Some(vec!["GET /v2/".to_owned()]),
        ..Faults::default()
    })
    .await;
    let scratch = Scratch::new("no-v2");
    let out = scratch.snap();
    let report = fetch(&options(&emu, &out))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((report.v1_apis, report.v2_apis), (7, 0));
    assert!(
        report.notes.iter().any(|n| n.contains("no v2 listing")),
        "{:?}",
        report.notes
    );
    assert!(!out.join("v2").exists());
    assert!(out.join("v1/_index.json").exists());
}

/// The CLI entry point (what `ovhcloud-codegen fetch` runs, minus argument parsing): exit
/// status, progress and summary. Not async: it builds its own runtime, so the emulator runs
/// on another one.
#[test]
fn cli_prints_progress_and_summary_and_exits_with_a_status() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let emu = runtime.block_on(common::start());
    let scratch = Scratch::new("cli");
    let args = FetchArgs {
        endpoint: emu.endpoint(),
        apis: Vec::new(),
        out: scratch.snap(),
        concurrency: 8,
        retries: 3,
        timeout: 20,
    };
    let run = |args: &FetchArgs, terminal: bool| {
        let mut stdout = Vec::new();
        let stderr = Arc::new(Mutex::new(Vec::<u8>::new()));
        let code = run_cli_with(args, &mut stdout, stderr.clone(), terminal);
        let stderr = String::from_utf8(stderr.lock().unwrap().clone()).unwrap();
        (code, String::from_utf8(stdout).unwrap(), stderr)
    };

    let (code, stdout, stderr) = run(&args, false);
    assert_eq!(code, ExitCode::SUCCESS, "{stderr}");
    assert!(
        stdout.starts_with("fetched 9 APIs (7 v1, 2 v2) from http://127.0.0.1:")
            && stdout.contains(" files, ")
            && stdout.contains(" kB in "),
        "{stdout}"
    );
    // Not a terminal: plain lines, the last one complete.
    assert!(!stderr.contains('\r'), "{stderr:?}");
    assert!(
        stderr
            .lines()
            .any(|l| l.starts_with("fetched 9/9 files, ") && l.ends_with(" kB")),
        "{stderr}"
    );
    assert_exact_snapshot(&scratch.snap(), &[]);

    // A terminal: one line rewritten in place.
    let (code, _, stderr) = run(&args, true);
    assert_eq!(code, ExitCode::SUCCESS, "{stderr}");
    assert!(stderr.contains("\rfetched 1/9 files, "), "{stderr:?}");
    assert!(stderr.contains("\rfetched 9/9 files, "), "{stderr:?}");
    assert!(stderr.ends_with('\n'));

    // Failure: status 1, `error: …` naming the URL.
    emu.set_faults(Faults {
        error_rate: 1.0,
        error_statuses: vec![503],
        only_paths: Some(vec!["/1.0/vrack.json".to_owned()]),
        ..Faults::default()
    });
    let before = tree(&scratch.snap());
    let (code, stdout, stderr) = run(
        &FetchArgs {
            retries: 1,
            ..args.clone()
        },
        false,
    );
    assert_eq!(code, ExitCode::FAILURE);
    assert!(stdout.is_empty(), "{stdout}");
    let last = stderr.lines().last().unwrap_or_default();
    assert!(
        last.starts_with("error: cannot read a schema file ")
            && last.contains("/1.0/vrack.json: HTTP 503 Service Unavailable")
            && last.ends_with("(after 2 attempts)"),
        "{stderr}"
    );
    assert!(tree(&scratch.snap()) == before);
    assert_eq!(scratch.entries(), ["snap"]);

    // A bad endpoint name.
    let (code, _, stderr) = run(
        &FetchArgs {
            endpoint: "ovh-mars".to_owned(),
            ..args.clone()
        },
        false,
    );
    assert_eq!(code, ExitCode::FAILURE);
    assert!(
        stderr.starts_with("error: unknown endpoint \"ovh-mars\""),
        "{stderr}"
    );
    drop(emu);
}
