//! What every `ovhcloud` crate shares, defined once: the API [`Branch`]es, the HTTP
//! [`Method`]s, and the named [`endpoint`]s.
//!
//! The runtime (`ovhcloud-runtime`, which users of the client compile) and the schema reader
//! (`ovhcloud-schema`, which the generator, the emulator and the command line build on) both
//! re-export these, so a schema's operation and the runtime's request speak of the same types.
//! Without features this crate has no dependency: `http` adds [`Method::to_http`] (the
//! runtime's), `serde` reads a method as schemas write it (the schema reader's).

pub mod endpoint;

pub use endpoint::{Endpoint, ENDPOINTS};

/// The API branch an operation belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Branch {
    /// `/1.0` (alias `/v1`).
    V1,
    /// `/v2`.
    V2,
}

impl Branch {
    /// The directory of its schemas in a snapshot: `v1`, `v2`.
    pub fn dir_name(self) -> &'static str {
        match self {
            Branch::V1 => "v1",
            Branch::V2 => "v2",
        }
    }
}

/// HTTP methods of the APIs (OVH's use the first four; OpenAPI ones such as Scaleway's also
/// `PATCH`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Method {
    Get,
    Post,
    Put,
    Delete,
    Patch,
}

impl Method {
    /// Every method, in declaration order.
    pub const ALL: [Method; 5] = [
        Method::Get,
        Method::Post,
        Method::Put,
        Method::Delete,
        Method::Patch,
    ];

    /// `GET`, `POST`…: as sent and as schemas write it.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Delete => "DELETE",
            Method::Patch => "PATCH",
        }
    }

    /// The method named `name` exactly as [`Method::as_str`] writes it (`GET`).
    pub fn from_name(name: &str) -> Option<Method> {
        Method::ALL.into_iter().find(|m| m.as_str() == name)
    }

    /// The method as reqwest (http) sends it.
    #[cfg(feature = "http")]
    pub fn to_http(self) -> http::Method {
        match self {
            Method::Get => http::Method::GET,
            Method::Post => http::Method::POST,
            Method::Put => http::Method::PUT,
            Method::Delete => http::Method::DELETE,
            Method::Patch => http::Method::PATCH,
        }
    }
}

/// Reads `"GET"`, `"POST"`… (upper case, as schema documents write them).
#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for Method {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Method, D::Error> {
        struct Name;
        impl serde::de::Visitor<'_> for Name {
            type Value = Method;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an HTTP method: GET, POST, PUT, DELETE or PATCH")
            }
            fn visit_str<E: serde::de::Error>(self, name: &str) -> Result<Method, E> {
                Method::from_name(name).ok_or_else(|| {
                    E::unknown_variant(name, &["GET", "POST", "PUT", "DELETE", "PATCH"])
                })
            }
        }
        deserializer.deserialize_str(Name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn methods_read_back_from_their_names() {
        for method in Method::ALL {
            assert_eq!(Method::from_name(method.as_str()), Some(method));
        }
        assert_eq!(Method::from_name("get"), None);
        assert_eq!(Method::from_name("HEAD"), None);
        assert_eq!((Branch::V1.dir_name(), Branch::V2.dir_name()), ("v1", "v2"));
    }

    #[cfg(feature = "serde")]
    #[test]
    fn methods_are_read_as_schemas_write_them() {
        let patch: Method = serde_json::from_str(r#""PATCH""#).unwrap();
        assert_eq!(patch, Method::Patch);
        let err = serde_json::from_str::<Method>(r#""get""#).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("unknown variant `get`, expected one of `GET`"),
            "{err}"
        );
    }

    #[cfg(feature = "http")]
    #[test]
    fn methods_are_sent_as_named() {
        for method in Method::ALL {
            assert_eq!(method.to_http().as_str(), method.as_str());
        }
    }
}
