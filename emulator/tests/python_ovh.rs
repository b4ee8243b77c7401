//! python-ovh, the official Python client, signs and calls the emulator.
//!
//! Needs `python3` with `ovh` installed (`pip install ovh==1.2.0`). Without it the test is
//! skipped with a message, except in CI (`CI` set), which installs it and must run it; set
//! `OVHCLOUD_SKIP_PYTHON=1` to skip it anyway.

mod common;

use std::process::Command;

use common::python;

const FULL: [(&str, &str); 4] = [
    ("GET", "/*"),
    ("POST", "/*"),
    ("PUT", "/*"),
    ("DELETE", "/*"),
];

#[tokio::test(flavor = "multi_thread")]
async fn python_ovh_signs_and_calls_the_emulator() {
    let probe = "import ovh, requests; print(ovh.__file__)";
    if !python::ready("python-ovh", "ovh==1.2.0", probe) {
        return;
    }
    let emu = common::start().await;
    let (ak, secret) = emu.create_application();
    let ck = emu.create_consumer_key(&ak, &FULL);
    let ck_me_only = emu.create_consumer_key(&ak, &[("GET", "/me"), ("GET", "/me/*")]);
    let (client_id, client_secret) = emu.create_oauth2_client();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/python/ovh_calls.py");
    let mut command = Command::new("python3");
    command
        .arg(script)
        .env("EMU_ENDPOINT", emu.endpoint())
        .env("EMU_TOKEN_URL", emu.oauth2_token_url())
        .env("EMU_AK", &ak)
        .env("EMU_AS", &secret)
        .env("EMU_CK", &ck)
        .env("EMU_CK_ME_ONLY", &ck_me_only)
        .env("EMU_CLIENT_ID", &client_id)
        .env("EMU_CLIENT_SECRET", &client_secret)
        .env("OAUTHLIB_INSECURE_TRANSPORT", "1")
        // Local ovh.conf files and OVH_* variables must not leak in.
        .current_dir(std::env::temp_dir());
    common::external::clear_ovh_env(&mut command);
    let out = common::external::run(command, "python-ovh script").await;

    assert!(
        (out["time"].as_i64().unwrap() - common::now()).abs() <= 2,
        "{out}"
    );
    assert!(out["time_delta"].as_i64().unwrap().abs() <= 2, "{out}");
    assert!(out["me"].is_object(), "{out}");
    assert!(
        out["bills"].is_array() && out["bills_query"].is_array(),
        "{out}"
    );
    assert!(out["occ"].is_array(), "{out}");
    assert!(out["reverse"].is_object(), "{out}");
    assert!(out["put_me"].is_null(), "{out}");
    assert!(out["v2_policies"].is_array(), "{out}");
    assert_eq!(out["current"]["status"], "validated", "{out}");
    assert_eq!(out["restricted_me"], true, "{out}");
    assert_eq!(out["unknown_path"], "ResourceNotFoundError", "{out}");
    assert_eq!(out["not_granted"]["class"], "NotGrantedCall", "{out}");
    assert!(
        out["not_granted"]["query_id"]
            .as_str()
            .unwrap()
            .ends_with(".emulator"),
        "{out}"
    );
    assert_eq!(
        out["wrong_secret"], "BadParametersError",
        "INVALID_SIGNATURE is a 400: {out}"
    );
    assert_eq!(out["unknown_app"], "InvalidKey", "{out}");
    assert_eq!(out["credential_state"], "pendingValidation", "{out}");
    assert_eq!(out["before_validation"], "InvalidCredential", "{out}");
    assert_eq!(out["validation_status"], 200, "{out}");
    assert_eq!(out["after_validation"], true, "{out}");
    assert_eq!(out["oauth2_me"], true, "{out}");

    let stats = emu.stats();
    assert_eq!(stats.applied("POST /ip/{ip}/reverse"), 1, "{stats:?}");
    assert_eq!(stats.applied("GET /v2/iam/policy"), 1, "{stats:?}");
    assert_eq!(stats.applied("POST /auth/credential"), 1, "{stats:?}");
}
