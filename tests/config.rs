//! Configuration resolution: sources, precedence, whole-method credentials, file errors, and
//! secrets kept out of every message. Nothing here reads the real environment or home directory.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use ovhcloud::config::{
    resolve_with, AuthMethod, ConfigError, Credentials, ResolvedConfig, Settings, Source,
};
use ovhcloud::types::Password;

/// Every secret value used below; none may ever appear in an error message or `Debug`.
const SECRETS: &[&str] = &[
    "env-app-secret-9f3a",
    "env-consumer-key-71bc",
    "env-client-secret-44de",
    "file-app-secret-0a1b",
    "file-consumer-key-2c3d",
    "file-client-secret-4e5f",
    "code-app-secret-6a7b",
    "code-consumer-key-8c9d",
    "code-client-secret-e0f1",
];

fn assert_no_secret(text: &str) {
    for secret in SECRETS {
        assert!(
            !text.contains(secret),
            "secret {secret:?} leaked in: {text}"
        );
    }
}

/// A temporary directory, removed on drop; `./`, `~` and `/etc` stand-ins live in it.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Self {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "ovhcloud-config-test-{name}-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = fs::remove_dir_all(&dir);
        for sub in ["cwd", "home", "etc"] {
            fs::create_dir_all(dir.join(sub)).unwrap();
        }
        Scratch(dir)
    }

    fn cwd(&self) -> PathBuf {
        self.0.join("cwd/ovh.conf")
    }
    fn home(&self) -> PathBuf {
        self.0.join("home/.ovh.conf")
    }
    fn etc(&self) -> PathBuf {
        self.0.join("etc/ovh.conf")
    }
    fn home_dir(&self) -> String {
        self.0.join("home").to_str().unwrap().to_owned()
    }
    /// The three default files, with `~` left for the resolver to expand.
    fn files(&self) -> Vec<PathBuf> {
        vec![self.cwd(), PathBuf::from("~/.ovh.conf"), self.etc()]
    }
    /// An environment holding `HOME` and `vars`.
    fn env(&self, vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let mut map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        map.insert("HOME".into(), self.home_dir());
        move |name| map.get(name).cloned()
    }
    #[allow(clippy::result_large_err)]
    fn resolve(
        &self,
        settings: &Settings,
        vars: &[(&str, &str)],
    ) -> Result<ResolvedConfig, ConfigError> {
        resolve_with(settings, self.env(vars), &self.files())
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

fn write(path: &Path, text: &str) {
    fs::write(path, text).unwrap();
}

const FILE_APP: &str = "[default]\nendpoint=ovh-ca\n\n[ovh-ca]\napplication_key=file-ak\n\
                        application_secret=file-app-secret-0a1b\nconsumer_key=file-consumer-key-2c3d\n";

const ENV_APP: &[(&str, &str)] = &[
    ("OVH_ENDPOINT", "ovh-us"),
    ("OVH_APPLICATION_KEY", "env-ak"),
    ("OVH_APPLICATION_SECRET", "env-app-secret-9f3a"),
    ("OVH_CONSUMER_KEY", "env-consumer-key-71bc"),
];

fn code_app() -> Settings {
    Settings::new()
        .endpoint("kimsufi-eu")
        .application("code-ak", "code-app-secret-6a7b")
        .consumer_key("code-consumer-key-8c9d")
}

fn application(ak: &str, secret: &str, ck: Option<&str>) -> Credentials {
    Credentials::Application {
        application_key: ak.into(),
        application_secret: Password::new(secret),
        consumer_key: ck.map(Password::new),
    }
}

fn oauth2(id: &str, secret: &str) -> Credentials {
    Credentials::OAuth2 {
        client_id: id.into(),
        client_secret: Password::new(secret),
    }
}

fn file(path: impl Into<PathBuf>) -> Source {
    Source::File(path.into())
}

#[test]
fn explicit_values_alone() {
    let s = Scratch::new("explicit");
    let config = s.resolve(&code_app(), &[]).unwrap();
    assert_eq!(config.endpoint, "kimsufi-eu");
    assert_eq!(config.endpoint_source, Source::Explicit);
    assert_eq!(
        config.credentials,
        application(
            "code-ak",
            "code-app-secret-6a7b",
            Some("code-consumer-key-8c9d")
        )
    );
    assert_eq!(config.credentials_source, Some(Source::Explicit));
    assert_eq!(config.base_url(), "https://eu.api.kimsufi.com/1.0");
    assert_no_secret(&format!("{config:?} {config}"));
}

#[test]
fn environment_alone() {
    let s = Scratch::new("env");
    let config = s.resolve(&Settings::default(), ENV_APP).unwrap();
    assert_eq!(
        (config.endpoint.as_str(), &config.endpoint_source),
        ("ovh-us", &Source::Environment)
    );
    assert_eq!(
        config.credentials,
        application(
            "env-ak",
            "env-app-secret-9f3a",
            Some("env-consumer-key-71bc")
        )
    );
    assert_eq!(config.credentials_source, Some(Source::Environment));

    let oauth = [
        ("OVH_ENDPOINT", "ovh-eu"),
        ("OVH_CLIENT_ID", "env-client"),
        ("OVH_CLIENT_SECRET", "env-client-secret-44de"),
    ];
    let config = s.resolve(&Settings::default(), &oauth).unwrap();
    assert_eq!(
        config.credentials,
        oauth2("env-client", "env-client-secret-44de")
    );
    assert_eq!(config.credentials.method(), Some(AuthMethod::OAuth2));
}

#[test]
fn each_file_alone() {
    for which in 0..3 {
        let s = Scratch::new("file-alone");
        let path = [s.cwd(), s.home(), s.etc()][which].clone();
        write(&path, FILE_APP);
        let config = s.resolve(&Settings::default(), &[]).unwrap();
        let expected = file(s.files()[which].clone());
        assert_eq!(config.endpoint, "ovh-ca");
        assert_eq!(config.endpoint_source, expected);
        assert_eq!(
            config.credentials,
            application(
                "file-ak",
                "file-app-secret-0a1b",
                Some("file-consumer-key-2c3d")
            )
        );
        assert_eq!(config.credentials_source, Some(expected));
    }
}

#[test]
fn tilde_is_expanded_with_home_and_shown_as_given() {
    let s = Scratch::new("tilde");
    write(&s.home(), FILE_APP);
    let config = s.resolve(&Settings::default(), &[]).unwrap();
    assert_eq!(config.endpoint_source, file("~/.ovh.conf"));
    assert_eq!(config.endpoint_source.to_string(), "~/.ovh.conf");
    assert_eq!(config.to_string(), "endpoint ovh-ca (from ~/.ovh.conf); application key file-ak with consumer key (from ~/.ovh.conf)");

    // Without HOME, `~` files are skipped like missing ones.
    let err = resolve_with(
        &Settings::default(),
        |_| None,
        &[PathBuf::from("~/.ovh.conf")],
    )
    .unwrap_err();
    assert!(matches!(err, ConfigError::NoEndpoint { .. }), "{err}");

    // An unreadable `~` file names both the path as given and the expanded one.
    fs::remove_file(s.home()).unwrap();
    fs::create_dir(s.home()).unwrap();
    let err = s.resolve(&Settings::default(), &[]).unwrap_err();
    let message = err.to_string();
    assert!(
        message.starts_with("cannot read ~/.ovh.conf ("),
        "{message}"
    );
    assert!(
        message.contains(&s.home().display().to_string()),
        "{message}"
    );
}

#[test]
fn precedence_explicit_then_environment_then_files() {
    let s = Scratch::new("precedence");
    write(&s.cwd(), FILE_APP);
    let config = s.resolve(&code_app(), ENV_APP).unwrap();
    assert_eq!(
        (config.endpoint.as_str(), config.credentials_source.clone()),
        ("kimsufi-eu", Some(Source::Explicit))
    );
    assert_eq!(
        config.credentials,
        application(
            "code-ak",
            "code-app-secret-6a7b",
            Some("code-consumer-key-8c9d")
        )
    );

    let config = s.resolve(&Settings::default(), ENV_APP).unwrap();
    assert_eq!(
        (config.endpoint.as_str(), config.credentials_source.clone()),
        ("ovh-us", Some(Source::Environment))
    );

    // Explicit endpoint only: credentials still come from the environment.
    let config = s
        .resolve(&Settings::new().endpoint("ovh-eu"), ENV_APP)
        .unwrap();
    assert_eq!(config.endpoint_source, Source::Explicit);
    assert_eq!(config.credentials_source, Some(Source::Environment));
}

#[test]
fn precedence_between_files() {
    let s = Scratch::new("files");
    let conf = |endpoint: &str, ak: &str| {
        format!("[default]\nendpoint={endpoint}\n[{endpoint}]\napplication_key={ak}\napplication_secret=file-app-secret-0a1b\n")
    };
    write(&s.etc(), &conf("ovh-us", "etc-ak"));
    let config = s.resolve(&Settings::default(), &[]).unwrap();
    assert_eq!(
        (config.endpoint.as_str(), config.endpoint_source),
        ("ovh-us", file(s.etc()))
    );

    write(&s.home(), &conf("ovh-ca", "home-ak"));
    let config = s.resolve(&Settings::default(), &[]).unwrap();
    assert_eq!(
        (config.endpoint.as_str(), config.endpoint_source),
        ("ovh-ca", file("~/.ovh.conf"))
    );
    assert_eq!(
        config.credentials,
        application("home-ak", "file-app-secret-0a1b", None)
    );

    write(&s.cwd(), &conf("ovh-eu", "cwd-ak"));
    let config = s.resolve(&Settings::default(), &[]).unwrap();
    assert_eq!(
        (config.endpoint.as_str(), config.endpoint_source),
        ("ovh-eu", file(s.cwd()))
    );
    assert_eq!(config.credentials_source, Some(file(s.cwd())));

    // ./ovh.conf has only the endpoint: credentials come from the first file with a [ovh-eu]
    // section holding anything; /etc has none for ovh-eu.
    write(&s.cwd(), "[default]\nendpoint=ovh-eu\n");
    write(
        &s.home(),
        "[ovh-eu]\napplication_key=home-ak\napplication_secret=file-app-secret-0a1b\n",
    );
    let config = s.resolve(&Settings::default(), &[]).unwrap();
    assert_eq!(config.endpoint_source, file(s.cwd()));
    assert_eq!(config.credentials_source, Some(file("~/.ovh.conf")));
    assert_eq!(
        config.credentials,
        application("home-ak", "file-app-secret-0a1b", None)
    );
}

#[test]
fn endpoint_from_a_file_and_credentials_from_the_environment() {
    let s = Scratch::new("split");
    write(&s.home(), "[default]\nendpoint=ovh-ca\n");
    let env = [
        ("OVH_CLIENT_ID", "env-client"),
        ("OVH_CLIENT_SECRET", "env-client-secret-44de"),
    ];
    let config = s.resolve(&Settings::default(), &env).unwrap();
    assert_eq!(
        (config.endpoint.as_str(), config.endpoint_source),
        ("ovh-ca", file("~/.ovh.conf"))
    );
    assert_eq!(
        config.credentials,
        oauth2("env-client", "env-client-secret-44de")
    );
    assert_eq!(config.credentials_source, Some(Source::Environment));
}

/// go-ovh#94: OAuth2 in the environment plus application keys in a file is not an error.
#[test]
fn oauth2_in_environment_wins_over_application_keys_in_a_file() {
    let s = Scratch::new("go94");
    write(&s.cwd(), FILE_APP);
    let env = [
        ("OVH_CLIENT_ID", "env-client"),
        ("OVH_CLIENT_SECRET", "env-client-secret-44de"),
    ];
    let config = s.resolve(&Settings::default(), &env).unwrap();
    assert_eq!(config.endpoint, "ovh-ca");
    assert_eq!(
        config.credentials,
        oauth2("env-client", "env-client-secret-44de")
    );
    assert_eq!(config.credentials_source, Some(Source::Environment));
}

#[test]
fn half_a_method_in_environment_is_not_completed_from_a_file() {
    let s = Scratch::new("half");
    write(
        &s.cwd(),
        "[default]\nendpoint=ovh-eu\n[ovh-eu]\nclient_secret=file-client-secret-4e5f\n",
    );
    let err = s
        .resolve(&Settings::default(), &[("OVH_CLIENT_ID", "env-client")])
        .unwrap_err();
    let message = err.to_string();
    assert_no_secret(&message);
    assert!(
        message.starts_with("incomplete OAuth2 credentials in environment: found OVH_CLIENT_ID; missing OVH_CLIENT_SECRET"),
        "{message}"
    );
    assert!(
        message.contains("nothing is taken from ovh.conf files"),
        "{message}"
    );
    assert!(
        message.contains(&format!("client_secret in {} [ovh-eu]", s.cwd().display())),
        "{message}"
    );
    match err {
        ConfigError::IncompleteCredentials {
            origin,
            section,
            method,
            found,
            missing,
            ignored,
        } => {
            assert_eq!(origin, Source::Environment);
            assert_eq!(section, None);
            assert_eq!(method, AuthMethod::OAuth2);
            assert_eq!(found, ["OVH_CLIENT_ID"]);
            assert_eq!(missing, ["OVH_CLIENT_SECRET"]);
            assert_eq!(ignored.len(), 1);
        }
        other => panic!("{other:?}"),
    }

    // The same in a file, with the rest in a later file; the consumer key alone is not enough.
    write(
        &s.cwd(),
        "[default]\nendpoint=ovh-eu\n[ovh-eu]\nconsumer_key=file-consumer-key-2c3d\n",
    );
    write(
        &s.etc(),
        "[ovh-eu]\napplication_key=etc-ak\napplication_secret=file-app-secret-0a1b\n",
    );
    let err = s.resolve(&Settings::default(), &[]).unwrap_err();
    let message = err.to_string();
    assert_no_secret(&message);
    let expected = format!(
        "incomplete application credentials in {} [ovh-eu]: found consumer_key; missing application_key, application_secret \
         (consumer_key may be left out, but application_key and application_secret must be given together)",
        s.cwd().display()
    );
    assert!(message.starts_with(&expected), "{message}");
    assert!(
        message.contains("nothing is taken from later ovh.conf files"),
        "{message}"
    );
    assert!(message.contains("application_secret in"), "{message}");

    // Explicit values are not completed from the environment either.
    let err = s
        .resolve(
            &Settings {
                client_secret: Some("code-client-secret-e0f1".into()),
                ..Settings::default()
            },
            &[("OVH_CLIENT_ID", "env-client")],
        )
        .unwrap_err();
    let message = err.to_string();
    assert_no_secret(&message);
    assert!(message.starts_with("incomplete OAuth2 credentials in explicit values: found client_secret; missing client_id"), "{message}");
    assert!(
        message.contains("OVH_CLIENT_ID in environment"),
        "{message}"
    );
}

#[test]
fn two_methods_in_one_source_is_an_error() {
    let s = Scratch::new("two");
    let both_env = [
        ("OVH_ENDPOINT", "ovh-eu"),
        ("OVH_APPLICATION_KEY", "env-ak"),
        ("OVH_APPLICATION_SECRET", "env-app-secret-9f3a"),
        ("OVH_CLIENT_ID", "env-client"),
        ("OVH_CLIENT_SECRET", "env-client-secret-44de"),
    ];
    let err = s.resolve(&Settings::default(), &both_env).unwrap_err();
    let message = err.to_string();
    assert_no_secret(&message);
    assert!(
        message.starts_with("two authentication methods in environment: found OVH_APPLICATION_KEY, OVH_APPLICATION_SECRET, OVH_CLIENT_ID, OVH_CLIENT_SECRET"),
        "{message}"
    );
    assert!(matches!(
        err,
        ConfigError::TwoAuthMethods {
            origin: Source::Environment,
            ..
        }
    ));

    let err = s
        .resolve(
            &code_app().oauth2("code-client", "code-client-secret-e0f1"),
            &[],
        )
        .unwrap_err();
    assert_no_secret(&err.to_string());
    assert!(
        matches!(
            err,
            ConfigError::TwoAuthMethods {
                origin: Source::Explicit,
                ..
            }
        ),
        "{err}"
    );

    write(&s.etc(), &format!("{FILE_APP}client_id=file-client\n"));
    let err = s.resolve(&Settings::default(), &[]).unwrap_err();
    let message = err.to_string();
    assert_no_secret(&message);
    assert!(
        message.starts_with(&format!(
            "two authentication methods in {} [ovh-ca]: found application_key",
            s.etc().display()
        )),
        "{message}"
    );
}

#[test]
fn unreadable_file_that_is_needed_is_an_error_naming_it() {
    let s = Scratch::new("unreadable");
    // A directory cannot be read as a file, even by root.
    fs::create_dir(s.cwd()).unwrap();
    write(&s.home(), FILE_APP);
    let err = s.resolve(&Settings::default(), &[]).unwrap_err();
    let message = err.to_string();
    assert!(
        message.starts_with(&format!("cannot read {}: ", s.cwd().display())),
        "{message}"
    );
    assert!(matches!(&err, ConfigError::Read { path, .. } if *path == s.cwd()));
    assert!(std::error::Error::source(&err).is_some());

    // Needed for credentials only: endpoint from the environment, no credentials before it.
    let err = s
        .resolve(&Settings::default(), &[("OVH_ENDPOINT", "ovh-eu")])
        .unwrap_err();
    assert!(matches!(err, ConfigError::Read { .. }), "{err}");
}

#[cfg(unix)]
#[test]
fn permission_denied_is_an_error_naming_the_file() {
    use std::os::unix::fs::PermissionsExt;
    let s = Scratch::new("perm");
    write(&s.etc(), FILE_APP);
    fs::set_permissions(s.etc(), fs::Permissions::from_mode(0o000)).unwrap();
    if fs::read(s.etc()).is_ok() {
        return; // root reads anything; the directory case above covers unreadable files.
    }
    let err = s.resolve(&Settings::default(), &[]).unwrap_err();
    assert!(
        err.to_string()
            .starts_with(&format!("cannot read {}: ", s.etc().display())),
        "{err}"
    );
}

/// go-ovh#95: an unreadable ./ovh.conf must not matter when explicit values or the
/// environment settle everything.
#[test]
fn unreadable_file_that_is_not_needed_is_never_read() {
    let s = Scratch::new("not-needed");
    fs::create_dir(s.cwd()).unwrap();
    fs::write(s.home(), b"[ovh-eu]\n\xff\xfe garbage\n").unwrap();
    write(&s.etc(), "no section, no equals sign\n");
    let config = s.resolve(&Settings::default(), ENV_APP).unwrap();
    assert_eq!(config.credentials_source, Some(Source::Environment));
    let config = s.resolve(&code_app(), &[]).unwrap();
    assert_eq!(config.credentials_source, Some(Source::Explicit));

    // Files after the deciding one are not read either.
    fs::remove_dir(s.cwd()).unwrap();
    write(&s.cwd(), FILE_APP);
    let config = s.resolve(&Settings::default(), &[]).unwrap();
    assert_eq!(config.credentials_source, Some(file(s.cwd())));
}

#[test]
fn malformed_files_give_file_and_line_without_content() {
    let s = Scratch::new("malformed");
    write(
        &s.cwd(),
        "; my config\n[default]\nendpoint=ovh-eu\n\n[ovh-eu]\nfile-app-secret-0a1b\n",
    );
    let err = s.resolve(&Settings::default(), &[]).unwrap_err();
    let message = err.to_string();
    assert_no_secret(&message);
    assert!(
        message.starts_with(&format!("{} line 6: ", s.cwd().display())),
        "{message}"
    );
    assert!(matches!(err, ConfigError::Parse { line: 6, .. }));

    fs::write(
        s.cwd(),
        b"[default]\nendpoint=ovh-eu\napplication_secret=\xff\n",
    )
    .unwrap();
    let err = s.resolve(&Settings::default(), &[]).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("{} line 3: not valid UTF-8", s.cwd().display())
    );
}

#[test]
fn ini_tolerances() {
    let s = Scratch::new("tolerant");
    write(
        &s.cwd(),
        "# comment\r\n; other comment\r\n\r\n[default]\r\n   endpoint   =   ovh-eu   \r\n\r\n\
         [ovh-eu]\r\n  Application_Key : file-ak\r\napplication_secret= \"file-app-secret-0a1b\"\r\n",
    );
    let config = s.resolve(&Settings::default(), &[]).unwrap();
    assert_eq!(config.endpoint, "ovh-eu");
    assert_eq!(
        config.credentials,
        application("file-ak", "file-app-secret-0a1b", None)
    );
}

#[test]
fn endpoint_validation() {
    let s = Scratch::new("endpoint");
    let err = s
        .resolve(&Settings::default(), &[("OVH_ENDPOINT", "ovh-mars")])
        .unwrap_err();
    let message = err.to_string();
    assert!(
        message.starts_with("unknown endpoint \"ovh-mars\" in OVH_ENDPOINT: use one of "),
        "{message}"
    );
    for e in ovhcloud::ENDPOINTS {
        assert!(message.contains(e.name), "{message}");
    }
    assert!(matches!(
        err,
        ConfigError::UnknownEndpoint {
            origin: Source::Environment,
            ..
        }
    ));

    write(&s.home(), "[default]\nendpoint=ovh-moon\n");
    let message = s
        .resolve(&Settings::default(), &[])
        .unwrap_err()
        .to_string();
    assert!(
        message.starts_with("unknown endpoint \"ovh-moon\" in ~/.ovh.conf [default] endpoint"),
        "{message}"
    );

    let err = s
        .resolve(&Settings::new().endpoint("ftp://eu.api.ovh.com/1.0"), &[])
        .unwrap_err();
    assert!(
        matches!(err, ConfigError::InvalidEndpointUrl { .. }),
        "{err}"
    );

    // A URL is kept as given and is its own base URL and file section.
    write(&s.cwd(), "[default]\nendpoint=http://127.0.0.1:8080/1.0\n[http://127.0.0.1:8080/1.0]\nclient_id=c\nclient_secret=file-client-secret-4e5f\n");
    let config = s.resolve(&Settings::default(), &[]).unwrap();
    assert_eq!(config.endpoint, "http://127.0.0.1:8080/1.0");
    assert_eq!(config.base_url(), "http://127.0.0.1:8080/1.0");
    assert_eq!(config.credentials, oauth2("c", "file-client-secret-4e5f"));
}

#[test]
fn no_endpoint_anywhere_is_an_error() {
    let s = Scratch::new("no-endpoint");
    write(&s.home(), "[ovh-eu]\napplication_key=file-ak\n");
    let err = s
        .resolve(&Settings::default(), ENV_APP.get(1..).unwrap())
        .unwrap_err();
    let message = err.to_string();
    assert!(message.starts_with("no endpoint configured: pass one explicitly, set OVH_ENDPOINT, or set `endpoint=` under [default] in one of "), "{message}");
    assert!(message.contains("~/.ovh.conf"), "{message}");
    assert!(matches!(err, ConfigError::NoEndpoint { files } if files.len() == 3));
}

#[test]
fn no_credentials_anywhere_is_anonymous() {
    let s = Scratch::new("anonymous");
    write(
        &s.home(),
        "[default]\nendpoint=ovh-eu\n[ovh-ca]\napplication_key=for-another-endpoint\n",
    );
    let config = s.resolve(&Settings::default(), &[]).unwrap();
    assert_eq!(config.credentials, Credentials::None);
    assert_eq!(config.credentials_source, None);
    assert!(!config.credentials.can_authenticate());
    assert_eq!(
        config.to_string(),
        "endpoint ovh-eu (from ~/.ovh.conf); no credentials"
    );
}

#[test]
fn application_without_consumer_key_is_explicit() {
    let s = Scratch::new("no-ck");
    let env = [
        ("OVH_ENDPOINT", "ovh-eu"),
        ("OVH_APPLICATION_KEY", "env-ak"),
        ("OVH_APPLICATION_SECRET", "env-app-secret-9f3a"),
    ];
    let config = s.resolve(&Settings::default(), &env).unwrap();
    assert_eq!(
        config.credentials,
        application("env-ak", "env-app-secret-9f3a", None)
    );
    assert!(!config.credentials.can_authenticate());
    assert!(config.to_string().contains("without consumer key"));
}

#[test]
fn empty_values_are_absent() {
    let s = Scratch::new("empty");
    write(
        &s.cwd(),
        "[default]\nendpoint=\n[ovh-eu]\nconsumer_key=\nclient_id=\n",
    );
    write(&s.home(), "[default]\nendpoint=ovh-eu\n");
    let env = [
        ("OVH_ENDPOINT", ""),
        ("OVH_APPLICATION_KEY", "env-ak"),
        ("OVH_APPLICATION_SECRET", "env-app-secret-9f3a"),
        ("OVH_CONSUMER_KEY", ""),
        ("OVH_CLIENT_ID", "  "),
        ("OVH_CLIENT_SECRET", ""),
    ];
    let settings = Settings {
        endpoint: Some(String::new()),
        client_secret: Some("".into()),
        ..Settings::default()
    };
    let config = s.resolve(&settings, &env).unwrap();
    assert_eq!(
        (config.endpoint.as_str(), config.endpoint_source),
        ("ovh-eu", file("~/.ovh.conf"))
    );
    assert_eq!(
        config.credentials,
        application("env-ak", "env-app-secret-9f3a", None)
    );

    // Empty values in the environment do not make it the deciding source.
    let only_empty = [
        ("OVH_ENDPOINT", "ovh-eu"),
        ("OVH_CONSUMER_KEY", ""),
        ("OVH_CLIENT_ID", ""),
    ];
    write(&s.cwd(), FILE_APP.replace("ovh-ca", "ovh-eu").as_str());
    let config = s.resolve(&Settings::default(), &only_empty).unwrap();
    assert_eq!(config.credentials_source, Some(file(s.cwd())));
}

#[test]
fn missing_files_are_skipped() {
    let s = Scratch::new("missing");
    let files = vec![s.0.join("nope/ovh.conf"), s.etc()];
    write(&s.etc(), FILE_APP);
    let config = resolve_with(&Settings::default(), s.env(&[]), &files).unwrap();
    assert_eq!(config.endpoint_source, file(s.etc()));
    let config = resolve_with(&Settings::new().endpoint("ovh-eu"), |_| None, &[]).unwrap();
    assert_eq!(config.credentials, Credentials::None);
}

#[test]
fn secrets_never_appear_in_debug() {
    let s = Scratch::new("debug");
    let settings = Settings::new()
        .endpoint("ovh-eu")
        .application("code-ak", "code-app-secret-6a7b")
        .consumer_key("code-consumer-key-8c9d")
        .oauth2("code-client", "code-client-secret-e0f1");
    assert_no_secret(&format!("{settings:?}"));
    let err = s.resolve(&settings, &[]).unwrap_err();
    assert_no_secret(&format!("{err:?} {err}"));

    write(&s.cwd(), FILE_APP);
    let config = s.resolve(&Settings::default(), &[]).unwrap();
    assert_no_secret(&format!("{config:?} {config:#?} {config}"));
    let config = s
        .resolve(
            &Settings::default(),
            &[
                ("OVH_CLIENT_ID", "c"),
                ("OVH_CLIENT_SECRET", "env-client-secret-44de"),
            ],
        )
        .unwrap();
    assert_no_secret(&format!("{config:?} {config}"));
}
