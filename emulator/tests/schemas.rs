//! Schema serving: root listings and schema files, as OVH serves them.

mod common;

use common::{get, schemas, start};
use ovhcloud_emulator::{Emulator, EmulatorConfig, EmulatorError};

#[tokio::test]
async fn root_listings_point_at_the_emulator() {
    let emu = start().await;
    for alias in ["/1.0", "/v1"] {
        let listing = get(&format!("{}{alias}/", emu.base_url())).await;
        assert_eq!(listing.status, 200);
        let json = listing.json();
        assert_eq!(json["basePath"], format!("{}{alias}", emu.base_url()));
        let paths: Vec<&str> = json["apis"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["path"].as_str().unwrap())
            .collect();
        assert_eq!(
            paths,
            [
                "/auth",
                "/ip",
                "/me",
                "/newAccount",
                "/ovhCloudConnect",
                "/products",
                "/vrack"
            ]
        );
        assert_eq!(json["apis"][0]["schema"], "{path}.{format}");
        assert_eq!(
            json["apis"][0]["format"],
            serde_json::json!(["json", "yaml"])
        );
        // Served member order: apis first, path/schema/format/description.
        assert!(listing.text.starts_with(r#"{"apis":[{"path":"/auth","schema":"{path}.{format}","format":["json","yaml"],"description":""}"#));
    }
    let v2 = get(&format!("{}/v2", emu.base_url())).await.json();
    assert_eq!(v2["basePath"], format!("{}/v2", emu.base_url()));
    assert_eq!(v2["apis"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn schema_files_are_served_byte_for_byte() {
    let emu = start().await;
    for (url, file) in [
        ("/1.0/ovhCloudConnect.json", "v1/ovhCloudConnect.json"),
        ("/v1/vrack.json", "v1/vrack.json"),
        ("/1.0/products.json", "v1/products.json"),
        ("/v2/iam.json", "v2/iam.json"),
        ("/v2/managedCMS.json", "v2/managedCMS.json"),
    ] {
        let answer = get(&format!("{}{url}", emu.base_url())).await;
        assert_eq!(answer.status, 200, "{url}");
        let expected = std::fs::read(schemas().join(file)).unwrap();
        assert!(
            answer.text.as_bytes() == expected,
            "{url} differs from {file}"
        );
    }
    let missing = get(&format!("{}/1.0/nothing.json", emu.base_url())).await;
    assert_eq!(missing.status, 404);
    assert_eq!(missing.json()["class"], "Client::NotFound");
    assert_eq!(
        get(&format!("{}/v2/vrack.json", emu.base_url()))
            .await
            .status,
        404
    );
}

#[tokio::test]
async fn listing_is_built_when_there_is_no_index_and_api_paths_may_have_slashes() {
    let dir =
        std::env::temp_dir().join(format!("ovhcloud-emulator-schemas-{}", std::process::id()));
    let v1 = dir.join("v1");
    std::fs::create_dir_all(&v1).unwrap();
    let doc = r#"{"apiVersion":"1.0","apis":[{"path":"/dedicated/server/{serviceName}","operations":[{"apiStatus":{"description":"Stable production version","value":"PRODUCTION"},"httpMethod":"GET","parameters":[{"name":"serviceName","dataType":"string","paramType":"path","fullType":"string","required":true,"description":""}],"responseType":"string","noAuthentication":true,"description":"x"}],"description":""}],"resourcePath":"/dedicated/server","basePath":"https://eu.api.ovh.com/1.0","models":{}}"#;
    std::fs::write(v1.join("dedicated_server.json"), doc).unwrap();
    let emu = Emulator::start(EmulatorConfig::new(&dir)).await.unwrap();
    let listing = get(&format!("{}/1.0/", emu.base_url())).await;
    assert_eq!(
        listing.text,
        format!(
            "{{\"apis\":[{{\"path\":\"/dedicated/server\",\"schema\":\"{{path}}.{{format}}\",\"format\":[\"json\",\"yaml\"],\"description\":\"\"}}],\"basePath\":\"{}/1.0\"}}\n",
            emu.base_url()
        )
    );
    let file = get(&format!("{}/1.0/dedicated/server.json", emu.base_url())).await;
    assert_eq!(file.text, doc);
    let op = get(&format!(
        "{}/1.0/dedicated/server/ns1.example.net",
        emu.base_url()
    ))
    .await;
    assert_eq!((op.status, op.json()), (200, serde_json::json!("example")));
    drop(emu);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn bad_schemas_are_listed_with_file_and_pointer() {
    let dir = std::env::temp_dir().join(format!("ovhcloud-emulator-bad-{}", std::process::id()));
    let v1 = dir.join("v1");
    std::fs::create_dir_all(&v1).unwrap();
    std::fs::write(v1.join("a.json"), r#"{"resourcePath":"/a","apis":[{"path":"/a","operations":[{"apiStatus":{"value":"PRODUCTION"},"httpMethod":"GET","parameters":[],"responseType":7}]}],"models":{}}"#).unwrap();
    std::fs::write(v1.join("b.json"), r#"{"resourcePath":"/b","apis":[{"path":"/b","operations":[{"apiStatus":{"value":"PRODUCTION"},"httpMethod":"BREW","parameters":[],"responseType":"void"}]}],"models":{}}"#).unwrap();
    let err = Emulator::start(EmulatorConfig::new(&dir))
        .await
        .unwrap_err();
    let EmulatorError::Schemas { errors, .. } = &err else {
        panic!("{err}")
    };
    assert_eq!(errors.len(), 2, "{err}");
    let text = err.to_string();
    assert!(
        text.contains("a.json: at /apis/0/operations/0/responseType"),
        "{text}"
    );
    assert!(
        text.contains("b.json: at /apis/0/operations/0/httpMethod") && text.contains("BREW"),
        "{text}"
    );
    std::fs::remove_dir_all(&dir).unwrap();

    let err = Emulator::start(EmulatorConfig::new("/nonexistent/schemas"))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("is not a directory"), "{err}");
}

#[tokio::test]
async fn bind_failures_are_reported() {
    let first = start().await;
    let err = Emulator::start(common::config().listen(first.local_addr()))
        .await
        .unwrap_err();
    assert!(matches!(err, EmulatorError::Bind { .. }), "{err}");
}
