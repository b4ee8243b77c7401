//! The CLI reports bad schemas with file and JSON pointer, keeps going, and generates the rest.

use std::path::Path;
use std::process::Command;

fn cli() -> Command {
    Command::new(env!("CARGO_BIN_EXE_ovhcloud-codegen"))
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("ovhcloud-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("v1")).unwrap();
    dir
}

const GOOD: &str = r#"{"apiVersion":"1.0","apis":[{"path":"/good","operations":[{"apiStatus":{"description":"Stable production version","value":"PRODUCTION"},"httpMethod":"GET","parameters":[],"responseType":"good.Thing","noAuthentication":false,"description":"Get"}],"description":""}],"resourcePath":"/good","basePath":"https://eu.api.ovh.com/1.0","models":{"good.Thing":{"id":"Thing","namespace":"good","description":"A thing","properties":{"name":{"type":"string","fullType":"string","canBeNull":false,"readOnly":true,"description":"Name","required":false}}}}}"#;

#[test]
fn bad_files_are_reported_and_good_ones_generated() {
    let dir = temp_dir("bad");
    std::fs::write(dir.join("v1/good.json"), GOOD).unwrap();
    std::fs::write(dir.join("v1/broken.json"), r#"{"apis": [}"#).unwrap();
    std::fs::write(
        dir.join("v1/typed.json"),
        GOOD.replace("/good", "/typed")
            .replace("good.Thing\",\"noAuth", "good.Nothing\",\"noAuth"),
    )
    .unwrap();
    std::fs::write(
        dir.join("v1/weird.json"),
        GOOD.replace("/good", "/weird").replace(
            "\"type\":\"string\",\"fullType\":\"string\"",
            "\"type\":\"int\"",
        ),
    )
    .unwrap();
    let out = dir.join("out");
    let output = cli()
        .args(["generate", "--schemas"])
        .arg(&dir)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    // Unreadable files are errors (status 1); unknown types are warnings, degraded.
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    let said = |prefix: &str, needle: &str| {
        stderr
            .lines()
            .any(|l| l.starts_with(prefix) && l.contains(needle))
    };
    assert!(
        said("error: ", "broken.json: at /apis/0: expected value"),
        "{stderr}"
    );
    assert!(
        said(
            "warning: ",
            "typed.json: at /apis/0/operations/0/responseType: unknown type `good.Nothing`"
        ) && said("warning: ", "degraded to a JSON value"),
        "{stderr}"
    );
    assert!(
        said(
            "warning: ",
            "weird.json: at /models/good.Thing/properties/name/type: unknown type `int`"
        ),
        "{stderr}"
    );
    assert!(
        Path::new(&out.join("apis/typed.rs")).exists(),
        "an API with an unknown type is generated, degraded"
    );
    assert!(
        Path::new(&out.join("apis/good.rs")).exists(),
        "the valid API is still generated"
    );
    let summary = String::from_utf8_lossy(&output.stdout);
    assert!(summary.contains("3 APIs"), "{summary}");
}

/// Warnings alone leave the status at 0, unless `--deny-warnings`.
#[test]
fn deny_warnings_makes_degradations_fatal() {
    let dir = temp_dir("deny");
    std::fs::write(
        dir.join("v1/typed.json"),
        GOOD.replace("good.Thing\",\"noAuth", "good.Nothing\",\"noAuth"),
    )
    .unwrap();
    let run = |extra: &[&str]| {
        let output = cli()
            .args(["list", "--schemas"])
            .arg(&dir)
            .args(extra)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        (output.status.code(), stderr)
    };
    let (status, stderr) = run(&[]);
    assert_eq!(status, Some(0), "{stderr}");
    assert!(stderr.contains("warning: "), "{stderr}");
    let (status, stderr) = run(&["--deny-warnings"]);
    assert_eq!(status, Some(1), "{stderr}");
}

#[test]
fn list_prints_counts() {
    let dir = temp_dir("list");
    std::fs::write(dir.join("v1/good.json"), GOOD).unwrap();
    let output = cli()
        .args(["list", "--schemas"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(output.status.success());
    let stdout = String::from_utf8_lossy(&output.stdout);
    let row = stdout
        .lines()
        .find(|l| l.contains("/good"))
        .expect("a row for /good");
    assert_eq!(
        row.split_whitespace().collect::<Vec<_>>(),
        ["v1", "/good", "good", "1", "1"]
    );
}

#[test]
fn missing_schema_dir_is_an_error_not_an_empty_success() {
    let output = cli()
        .args(["generate", "--schemas", "/nonexistent/schemas", "--out"])
        .arg(std::env::temp_dir().join("x"))
        .output()
        .unwrap();
    assert!(!output.status.success());
}

/// `fetch` through the binary: an endpoint that does not answer is an error naming the URL, with
/// status 1, and the output directory is left as it was (here: not created).
#[test]
fn fetch_failure_names_the_url_and_writes_nothing() {
    let dir = temp_dir("fetch");
    let out = dir.join("snapshot");
    let output = cli()
        .args([
            "fetch",
            "--endpoint",
            "http://127.0.0.1:9/1.0",
            "--retries",
            "0",
            "--out",
        ])
        .arg(&out)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("error:") && stderr.contains("http://127.0.0.1:9/1.0/"),
        "{stderr}"
    );
    assert!(!out.exists(), "nothing is written when the fetch fails");
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|n| n.to_string_lossy().contains("fetch"))
        .collect();
    assert!(leftovers.is_empty(), "staging left behind: {leftovers:?}");
}

/// fetch replaces its output directory whole: it refuses the working directory, a parent of
/// it, and a directory that is neither empty nor a snapshot — before any request.
#[test]
fn fetch_refuses_to_replace_what_is_not_a_snapshot() {
    let dir = temp_dir("fetch-out");
    std::fs::write(dir.join("precious.txt"), "keep me").unwrap();
    let fetch = |out: &str| {
        let output = cli()
            .current_dir(&dir)
            .args([
                "fetch",
                "--endpoint",
                "http://127.0.0.1:9/1.0",
                "--retries",
                "0",
                "--out",
                out,
            ])
            .output()
            .unwrap();
        (
            output.status.code(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    };
    for out in [".", "./", "..", "v1/.."] {
        let (status, stderr) = fetch(out);
        assert_eq!(status, Some(1), "{out}: {stderr}");
        assert!(stderr.contains("not `.`, `..`"), "{out}: {stderr}");
    }
    let (status, stderr) = fetch(dir.to_str().unwrap());
    assert_eq!(status, Some(1), "{stderr}");
    assert!(
        stderr.contains("working directory") || stderr.contains("holding the current one"),
        "{stderr}"
    );
    let other = dir.join("other");
    std::fs::create_dir_all(&other).unwrap();
    std::fs::write(other.join("notes.md"), "mine").unwrap();
    let (status, stderr) = fetch("other");
    assert_eq!(status, Some(1), "{stderr}");
    assert!(stderr.contains("is not a schema snapshot"), "{stderr}");
    assert_eq!(
        std::fs::read_to_string(dir.join("precious.txt")).unwrap(),
        "keep me"
    );
    assert_eq!(
        std::fs::read_to_string(other.join("notes.md")).unwrap(),
        "mine"
    );
}
