//! Configuration as Scaleway's SDKs and `scw` CLI read it: values given to the builder win over
//! `SCW_*` environment variables, which win over the active profile of Scaleway's configuration
//! file, whose values win over the file's top-level (default) profile.
//!
//! | setting | variable | file key |
//! | --- | --- | --- |
//! | access key | `SCW_ACCESS_KEY` | `access_key` |
//! | secret key | `SCW_SECRET_KEY` | `secret_key` |
//! | API URL | `SCW_API_URL` | `api_url` |
//! | default organization | `SCW_DEFAULT_ORGANIZATION_ID` | `default_organization_id` |
//! | default project | `SCW_DEFAULT_PROJECT_ID` | `default_project_id` |
//! | default region | `SCW_DEFAULT_REGION` | `default_region` |
//! | default zone | `SCW_DEFAULT_ZONE` | `default_zone` |
//!
//! The file is `SCW_CONFIG_PATH`, else `$XDG_CONFIG_HOME/scw/config.yaml`, else
//! `~/.config/scw/config.yaml`; the profile is the builder's, else `SCW_PROFILE`, else the file's
//! `active_profile`. A missing file is no error; an unreadable one, or a profile it does not
//! have, is.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use ovhcloud_runtime::types::Password;

/// One profile's settings; every one optional.
#[derive(Clone, Default, Deserialize)]
#[non_exhaustive]
pub struct Profile {
    pub access_key: Option<String>,
    pub secret_key: Option<Password>,
    pub api_url: Option<String>,
    pub default_organization_id: Option<String>,
    pub default_project_id: Option<String>,
    pub default_region: Option<String>,
    pub default_zone: Option<String>,
}

impl std::fmt::Debug for Profile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Profile")
            .field("access_key", &self.access_key)
            .field("secret_key", &self.secret_key.as_ref().map(|_| "***"))
            .field("api_url", &self.api_url)
            .field("default_organization_id", &self.default_organization_id)
            .field("default_project_id", &self.default_project_id)
            .field("default_region", &self.default_region)
            .field("default_zone", &self.default_zone)
            .finish()
    }
}

impl Profile {
    /// `self`, with what it leaves unset taken from `base`.
    pub fn or(self, base: Profile) -> Profile {
        Profile {
            access_key: self.access_key.or(base.access_key),
            secret_key: self.secret_key.or(base.secret_key),
            api_url: self.api_url.or(base.api_url),
            default_organization_id: self
                .default_organization_id
                .or(base.default_organization_id),
            default_project_id: self.default_project_id.or(base.default_project_id),
            default_region: self.default_region.or(base.default_region),
            default_zone: self.default_zone.or(base.default_zone),
        }
    }

    /// The settings `SCW_*` variables give, read through `var`.
    pub fn from_variables(var: impl Fn(&str) -> Option<String>) -> Profile {
        Profile {
            access_key: var("SCW_ACCESS_KEY"),
            secret_key: var("SCW_SECRET_KEY").map(Password::new),
            api_url: var("SCW_API_URL"),
            default_organization_id: var("SCW_DEFAULT_ORGANIZATION_ID"),
            default_project_id: var("SCW_DEFAULT_PROJECT_ID"),
            default_region: var("SCW_DEFAULT_REGION"),
            default_zone: var("SCW_DEFAULT_ZONE"),
        }
    }
}

/// Scaleway's configuration file: a default profile at the top level, named ones under
/// `profiles`.
#[derive(Default, Deserialize)]
struct ConfigFile {
    #[serde(flatten)]
    default: Profile,
    active_profile: Option<String>,
    #[serde(default)]
    profiles: BTreeMap<String, Profile>,
}

/// Where the configuration file is, by `SCW_CONFIG_PATH`, `XDG_CONFIG_HOME` and `HOME`.
pub fn file_path(var: impl Fn(&str) -> Option<String>) -> Option<PathBuf> {
    if let Some(path) = var("SCW_CONFIG_PATH") {
        return Some(PathBuf::from(path));
    }
    let config_home = var("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| var("HOME").map(|home| Path::new(&home).join(".config")))?;
    Some(config_home.join("scw").join("config.yaml"))
}

/// The profile `profile` (else the file's active one, else its default) of the configuration
/// file at `path`; the default profile alone when the file does not exist.
pub fn read_file(path: &Path, profile: Option<&str>) -> Result<Profile, String> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && profile.is_none() => {
            return Ok(Profile::default())
        }
        Err(e) => return Err(format!("{}: {e}", path.display())),
    };
    parse_file(&text, profile).map_err(|e| format!("{}: {e}", path.display()))
}

fn parse_file(text: &str, profile: Option<&str>) -> Result<Profile, String> {
    let file: ConfigFile = if text.trim().is_empty() {
        ConfigFile::default()
    } else {
        // The parser's message quotes no value, only positions and keys.
        serde_saphyr::from_str(text).map_err(|e| e.to_string())?
    };
    let mut profiles = file.profiles;
    match profile.map(str::to_owned).or(file.active_profile) {
        None => Ok(file.default),
        Some(name) if name == "default" => Ok(file.default),
        Some(name) => match profiles.remove(&name) {
            Some(named) => Ok(named.or(file.default)),
            None => Err(format!("no profile `{name}`")),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "\
access_key: SCWDEFAULT
secret_key: 11111111-1111-1111-1111-111111111111
default_region: fr-par
default_project_id: 22222222-2222-2222-2222-222222222222
active_profile: prod
profiles:
  prod:
    secret_key: 33333333-3333-3333-3333-333333333333
    default_region: nl-ams
  dev:
    api_url: http://localhost:8080
";

    #[test]
    fn the_active_profile_falls_back_on_the_default_one() {
        let p = parse_file(FILE, None).unwrap();
        assert_eq!(p.default_region.as_deref(), Some("nl-ams"));
        assert_eq!(
            p.secret_key.as_ref().map(Password::expose_secret),
            Some("33333333-3333-3333-3333-333333333333")
        );
        assert_eq!(p.access_key.as_deref(), Some("SCWDEFAULT"));
        let dev = parse_file(FILE, Some("dev")).unwrap();
        assert_eq!(dev.api_url.as_deref(), Some("http://localhost:8080"));
        assert_eq!(dev.default_region.as_deref(), Some("fr-par"));
        let default = parse_file(FILE, Some("default")).unwrap();
        assert_eq!(default.default_region.as_deref(), Some("fr-par"));
        assert_eq!(
            parse_file(FILE, Some("nope")).unwrap_err(),
            "no profile `nope`"
        );
    }

    #[test]
    fn variables_win_and_secrets_stay_hidden() {
        let env = |k: &str| (k == "SCW_DEFAULT_REGION").then(|| "pl-waw".to_owned());
        let p = Profile::from_variables(env).or(parse_file(FILE, None).unwrap());
        assert_eq!(p.default_region.as_deref(), Some("pl-waw"));
        let debug = format!("{p:?}");
        assert!(!debug.contains("3333"), "{debug}");
        assert!(debug.contains("***"), "{debug}");
    }

    #[test]
    fn file_locations() {
        let var = |vars: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                vars.iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| v.to_string())
            }
        };
        assert_eq!(
            file_path(var(&[("HOME", "/home/u")])),
            Some(PathBuf::from("/home/u/.config/scw/config.yaml"))
        );
        assert_eq!(
            file_path(var(&[("HOME", "/home/u"), ("XDG_CONFIG_HOME", "/x")])),
            Some(PathBuf::from("/x/scw/config.yaml"))
        );
        assert_eq!(
            file_path(var(&[("SCW_CONFIG_PATH", "/c.yaml")])),
            Some(PathBuf::from("/c.yaml"))
        );
        assert!(read_file(Path::new("/nonexistent/scw.yaml"), None)
            .unwrap()
            .secret_key
            .is_none());
        assert!(read_file(Path::new("/nonexistent/scw.yaml"), Some("prod")).is_err());
        assert!(parse_file("profiles: [", None).is_err());
    }
}
