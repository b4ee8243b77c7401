//! JSON (de)serialization helpers the generated models call.
//!
//! Generated structs implement `Serialize`/`Deserialize` by hand against these helpers instead
//! of deriving them: the code per model stays a few lines, which keeps compile time of the whole
//! API surface in check. Decoding errors carry the JSON path of the failing value
//! (`.datacenters[2].ovhBgpArea: invalid type: null, expected i64`).

use std::collections::BTreeMap;

use serde::de::{DeserializeOwned, Error as _};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

/// JSON members an object had that its schema does not declare, kept so that nothing received
/// is lost when a value is sent back (GET, modify, PUT).
pub type UnknownFields = BTreeMap<String, Value>;

/// Writes a JSON object field by field.
pub struct ObjectWriter<S: Serializer> {
    map: S::SerializeMap,
}

impl<S: Serializer> ObjectWriter<S> {
    pub fn new(serializer: S) -> Result<Self, S::Error> {
        Ok(ObjectWriter {
            map: serializer.serialize_map(None)?,
        })
    }

    /// Always written; `None` becomes `null`.
    pub fn field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), S::Error> {
        self.map.serialize_entry(key, value)
    }

    /// Left out when unset: request bodies send only what the caller set.
    pub fn optional<T: Serialize>(
        &mut self,
        key: &'static str,
        value: &Option<T>,
    ) -> Result<(), S::Error> {
        match value {
            Some(v) => self.map.serialize_entry(key, v),
            None => Ok(()),
        }
    }

    pub fn end(mut self, unknown: &UnknownFields) -> Result<S::Ok, S::Error> {
        for (k, v) in unknown {
            self.map.serialize_entry(k, v)?;
        }
        self.map.end()
    }
}

/// Reads the members of one JSON object.
pub struct ObjectReader {
    members: Map<String, Value>,
}

/// A decoding failure with the path, relative to the value being decoded, where it happened.
#[derive(Debug)]
pub struct PathError {
    path: String,
    message: String,
}

impl PathError {
    fn at(key: &str, error: impl std::fmt::Display) -> PathError {
        PathError::new(format!(".{key}"), error.to_string())
    }

    fn new(prefix: String, inner: String) -> PathError {
        // Inner errors from nested objects already start with their own path.
        match split_path(&inner) {
            Some((path, message)) => PathError {
                path: prefix + path,
                message: message.to_owned(),
            },
            None => PathError {
                path: prefix,
                message: inner,
            },
        }
    }
}

/// Splits `".a[1].b: message"` into path and message.
pub fn split_path(message: &str) -> Option<(&str, &str)> {
    if !message.starts_with(['.', '[']) {
        return None;
    }
    message.split_once(": ")
}

impl std::fmt::Display for PathError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

impl ObjectReader {
    fn take(&mut self, key: &str) -> Option<Value> {
        self.members.remove(key)
    }

    /// A member that must be present and (unless `T` is an `Option`) not null.
    pub fn required<T: DeserializeOwned>(&mut self, key: &str) -> Result<T, PathError> {
        match self.take(key) {
            Some(value) => T::deserialize(value).map_err(|e| PathError::at(key, e)),
            None => Err(PathError::at(key, "missing field")),
        }
    }

    /// A member that may be missing or null.
    pub fn optional<T: DeserializeOwned>(&mut self, key: &str) -> Result<Option<T>, PathError> {
        match self.take(key) {
            None | Some(Value::Null) => Ok(None),
            Some(value) => T::deserialize(value)
                .map(Some)
                .map_err(|e| PathError::at(key, e)),
        }
    }

    /// Like [`required`](Self::required) for a list, reporting the index of a failing item.
    pub fn required_list<T: DeserializeOwned>(&mut self, key: &str) -> Result<Vec<T>, PathError> {
        match self.take(key) {
            Some(value) => list(key, value),
            None => Err(PathError::at(key, "missing field")),
        }
    }

    /// Like [`optional`](Self::optional) for a list, reporting the index of a failing item.
    pub fn optional_list<T: DeserializeOwned>(
        &mut self,
        key: &str,
    ) -> Result<Option<Vec<T>>, PathError> {
        match self.take(key) {
            None | Some(Value::Null) => Ok(None),
            Some(value) => list(key, value).map(Some),
        }
    }

    /// Whatever members were not read.
    pub fn into_unknown(&mut self) -> UnknownFields {
        std::mem::take(&mut self.members).into_iter().collect()
    }
}

fn list<T: DeserializeOwned>(key: &str, value: Value) -> Result<Vec<T>, PathError> {
    let Value::Array(items) = value else {
        return Err(PathError::at(
            key,
            format!("invalid type: {}, expected a list", kind(&value)),
        ));
    };
    items
        .into_iter()
        .enumerate()
        .map(|(i, item)| {
            T::deserialize(item).map_err(|e| PathError::new(format!(".{key}[{i}]"), e.to_string()))
        })
        .collect()
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "list",
        Value::Object(_) => "object",
    }
}

/// Decodes a JSON object with `build`, turning a failure into the deserializer's error.
pub fn read_object<'de, D, T>(
    deserializer: D,
    type_name: &'static str,
    build: impl FnOnce(&mut ObjectReader) -> Result<T, PathError>,
) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
{
    let value = Value::deserialize(deserializer)?;
    let Value::Object(members) = value else {
        return Err(D::Error::custom(format!(
            "invalid type: {}, expected a {type_name} object",
            kind(&value)
        )));
    };
    let mut reader = ObjectReader { members };
    build(&mut reader).map_err(D::Error::custom)
}

/// `Display`, `FromStr`, `From<String>` and serde impls for a generated string enum, from its
/// `as_str` and `From<&str>`. Numbers are accepted too: a few `long` enums list their values
/// as strings.
#[macro_export]
#[doc(hidden)]
macro_rules! __string_enum {
    ($name:ident) => {
        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
        impl ::std::str::FromStr for $name {
            type Err = ::std::convert::Infallible;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Ok(Self::from(s))
            }
        }
        impl From<String> for $name {
            fn from(s: String) -> Self {
                Self::from(s.as_str())
            }
        }
        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }
        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(
                deserializer: D,
            ) -> Result<Self, D::Error> {
                $crate::codec::enum_text(deserializer).map(|s| Self::from(s.as_str()))
            }
        }
    };
}
pub use crate::__string_enum as string_enum;

/// `Display` and serde impls for a generated integer enum, from its `value` and `From<i64>`.
#[macro_export]
#[doc(hidden)]
macro_rules! __integer_enum {
    ($name:ident) => {
        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                write!(f, "{}", self.value())
            }
        }
        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_i64(self.value())
            }
        }
        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(
                deserializer: D,
            ) -> Result<Self, D::Error> {
                $crate::codec::enum_integer(deserializer).map(Self::from)
            }
        }
    };
}
pub use crate::__integer_enum as integer_enum;

/// The text of an enum value: a JSON string, or a number written as text.
pub fn enum_text<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    match Value::deserialize(deserializer)? {
        Value::String(s) => Ok(s),
        Value::Number(n) => Ok(n.to_string()),
        other => Err(D::Error::custom(format!(
            "invalid type: {}, expected an enum value (string)",
            kind(&other)
        ))),
    }
}

/// The value of an integer enum: a JSON integer, or an integer written as a string.
pub fn enum_integer<'de, D: Deserializer<'de>>(deserializer: D) -> Result<i64, D::Error> {
    match Value::deserialize(deserializer)? {
        Value::Number(n) => n
            .as_i64()
            .ok_or_else(|| D::Error::custom(format!("enum value {n} is not an integer"))),
        Value::String(s) => s
            .parse()
            .map_err(|_| D::Error::custom(format!("enum value {s:?} is not an integer"))),
        other => Err(D::Error::custom(format!(
            "invalid type: {}, expected an enum value (integer)",
            kind(&other)
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq)]
    struct Inner {
        asn: i64,
    }

    impl<'de> Deserialize<'de> for Inner {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            read_object(d, "Inner", |o| {
                Ok(Inner {
                    asn: o.required("asn")?,
                })
            })
        }
    }

    #[derive(Debug, PartialEq)]
    struct Outer {
        items: Vec<Inner>,
        name: Option<String>,
        unknown: UnknownFields,
    }

    impl<'de> Deserialize<'de> for Outer {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            read_object(d, "Outer", |o| {
                Ok(Outer {
                    items: o.required_list("items")?,
                    name: o.optional("name")?,
                    unknown: o.into_unknown(),
                })
            })
        }
    }

    #[test]
    fn nested_errors_name_the_json_path() {
        let err =
            serde_json::from_str::<Outer>(r#"{"items":[{"asn":1},{"asn":null}]}"#).unwrap_err();
        assert_eq!(
            err.to_string(),
            ".items[1].asn: invalid type: null, expected i64"
        );
        let err = serde_json::from_str::<Outer>(r#"{"items":[{}]}"#).unwrap_err();
        assert_eq!(err.to_string(), ".items[0].asn: missing field");
        let err = serde_json::from_str::<Outer>(r#"{"items":{}}"#).unwrap_err();
        assert_eq!(
            err.to_string(),
            ".items: invalid type: object, expected a list"
        );
        let err = serde_json::from_str::<Outer>("[]").unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid type: list, expected a Outer object"
        );
    }

    #[test]
    fn unknown_members_are_kept_and_nulls_are_none() {
        let v: Outer = serde_json::from_str(r#"{"items":[],"name":null,"extra":{"a":1}}"#).unwrap();
        assert_eq!(v.name, None);
        assert_eq!(v.unknown["extra"], serde_json::json!({"a": 1}));
    }

    #[test]
    fn enum_values_accept_numbers_as_text_and_text_as_numbers() {
        let text = enum_text(&mut serde_json::Deserializer::from_str("3600")).unwrap();
        assert_eq!(text, "3600");
        let n = enum_integer(&mut serde_json::Deserializer::from_str("\"64\"")).unwrap();
        assert_eq!(n, 64);
        assert!(enum_integer(&mut serde_json::Deserializer::from_str("true")).is_err());
    }
}
