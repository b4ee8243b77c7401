//! Rust names for schema names. Every function is pure: the same input always gives the same
//! name, whatever else the schemas contain, so adding an endpoint or a model never renames an
//! existing one (collisions, which the real schemas do not have, get a numeric suffix).

use heck::{ToSnakeCase, ToUpperCamelCase};

use crate::reader::HttpMethod;

/// Strict and reserved keywords, plus names that cannot be raw identifiers.
const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "crate",
    "do", "dyn", "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl",
    "in", "let", "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref",
    "return", "self", "Self", "static", "struct", "super", "trait", "true", "try", "type",
    "typeof", "union", "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

fn ascii_only(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect()
}

/// Separates words so heck splits `S/4HANA 2021` and `X-Auth-Token` where a reader would.
fn words(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { ' ' })
        .collect()
}

/// A field, module, method or argument name: `snake_case`, `_` before a leading digit, `_`
/// after a keyword (`type` → `type_`, as typify and progenitor do).
pub fn snake(s: &str) -> String {
    let mut out = ascii_only(&words(s).to_snake_case());
    if out.is_empty() {
        out.push_str("value");
    }
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, '_');
    }
    if KEYWORDS.contains(&out.as_str()) {
        out.push('_');
    }
    out
}

/// A type or variant name: `UpperCamelCase`, `V` before a leading digit.
pub fn camel(s: &str) -> String {
    let mut out = ascii_only(&words(s).to_upper_camel_case());
    if out.is_empty() {
        out.push_str("Empty");
    }
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, 'V');
    }
    if KEYWORDS.contains(&out.as_str()) {
        out.push('_');
    }
    out
}

/// Makes `name` unique among `taken` by appending 2, 3, … and records it.
pub fn unique(name: String, taken: &mut std::collections::BTreeSet<String>) -> String {
    if taken.insert(name.clone()) {
        return name;
    }
    (2..)
        .map(|n| format!("{name}{n}"))
        .find(|candidate| taken.insert(candidate.clone()))
        .expect("an unused suffix exists")
}

/// The catch-all variant of every generated enum.
pub const UNKNOWN_VARIANT: &str = "Unknown";

/// Variant names for enum values, in the order given. A value that would be named like the
/// catch-all becomes `UnknownValue` (smithy-rs does the same).
pub fn enum_variants<'a>(values: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut taken = std::collections::BTreeSet::from([UNKNOWN_VARIANT.to_owned()]);
    values
        .into_iter()
        .map(|v| {
            let mut name = camel(v);
            if name == UNKNOWN_VARIANT {
                name.push_str("Value");
            }
            unique(name, &mut taken)
        })
        .collect()
}

/// The variant name of an integer enum value: `V1`, `Minus1`.
pub fn integer_variant(value: i64) -> String {
    if value < 0 {
        format!("Minus{}", value.unsigned_abs())
    } else {
        format!("V{}", value.unsigned_abs())
    }
}

/// The struct field that keeps JSON members the schema does not declare.
pub const UNKNOWN_FIELDS: &str = "unknown_fields";

/// Field names for the JSON keys of a struct, in the order given: snake-cased, made unique after
/// [`UNKNOWN_FIELDS`].
pub fn field_names<'a>(keys: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut taken = std::collections::BTreeSet::from([UNKNOWN_FIELDS.to_owned()]);
    keys.into_iter()
        .map(|key| unique(snake(key), &mut taken))
        .collect()
}

/// The method name of an operation, from its HTTP method and path only:
/// the verb, then each literal segment after the API's own prefix, and `by_<param>` when the
/// path ends with a parameter.
///
/// `GET /me/bill/{billId}/details` → `get_bill_details`;
/// `GET /me/bill/{billId}` → `get_bill_by_bill_id`; `GET /me` → `get`.
pub fn method_name(method: HttpMethod, api_prefix: &str, path: &str) -> String {
    let rest = path
        .strip_prefix(api_prefix)
        .filter(|r| r.is_empty() || r.starts_with('/'))
        .unwrap_or(path);
    let mut parts = vec![method.as_str().to_ascii_lowercase()];
    let segments: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
    for (i, seg) in segments.iter().enumerate() {
        match seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            Some(param) if i + 1 == segments.len() => {
                parts.push(format!("by_{}", snake(param).trim_matches('_')))
            }
            Some(_) => {}
            None => parts.push(snake(seg).trim_matches('_').to_owned()),
        }
    }
    parts.retain(|p| !p.is_empty());
    parts.join("_")
}

/// A method name that disambiguates a collision of [`method_name`] by naming every parameter.
pub fn method_name_with_params(method: HttpMethod, api_prefix: &str, path: &str) -> String {
    let rest = path.strip_prefix(api_prefix).unwrap_or(path);
    let mut parts = vec![method.as_str().to_ascii_lowercase()];
    for seg in rest.split('/').filter(|s| !s.is_empty()) {
        match seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            Some(param) => parts.push(format!("by_{}", snake(param).trim_matches('_'))),
            None => parts.push(snake(seg).trim_matches('_').to_owned()),
        }
    }
    parts.retain(|p| !p.is_empty());
    parts.join("_")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_names() {
        assert_eq!(snake("type"), "type_");
        assert_eq!(snake("X-Auth-Token"), "x_auth_token");
        assert_eq!(snake("2016v1"), "_2016v1");
        assert_eq!(snake("customerBgpArea"), "customer_bgp_area");
        assert_eq!(snake("date.from"), "date_from");
        assert_eq!(snake("self"), "self_");
        assert_eq!(snake("Self"), "self_");
        assert_eq!(snake("crate"), "crate_");
        assert_eq!(snake("async"), "async_");
        assert_eq!(snake("public"), "public", "not a Rust keyword");
        assert_eq!(snake("ovhCloudConnect"), "ovh_cloud_connect");
    }

    #[test]
    fn type_names() {
        assert_eq!(camel("vrackWithIAM"), "VrackWithIam");
        assert_eq!(camel("OvhSubsidiaryEnum"), "OvhSubsidiaryEnum");
        assert_eq!(camel("2018v1"), "V2018v1");
    }

    #[test]
    fn variants_of_awkward_values_are_unique() {
        let v = enum_variants([
            "S/4HANA 2021",
            "",
            "3600",
            "foo-bar",
            "foo_bar",
            "FOO_BAR",
            "unknown",
            "other",
        ]);
        assert_eq!(
            v,
            [
                "S4hana2021",
                "Empty",
                "V3600",
                "FooBar",
                "FooBar2",
                "FooBar3",
                "UnknownValue",
                "Other"
            ]
        );
    }

    #[test]
    fn integer_variants() {
        assert_eq!(integer_variant(1), "V1");
        assert_eq!(integer_variant(0), "V0");
        assert_eq!(integer_variant(-1), "Minus1");
        assert_eq!(integer_variant(i64::MIN), "Minus9223372036854775808");
    }

    #[test]
    fn field_names_keep_unknown_fields_free() {
        assert_eq!(
            super::field_names(["unknownFields", "type", "a-b", "a_b"]),
            ["unknown_fields2", "type_", "a_b", "a_b2"]
        );
    }

    #[test]
    fn method_names_follow_the_path() {
        use HttpMethod::*;
        let p = "/ovhCloudConnect";
        assert_eq!(method_name(Get, p, "/ovhCloudConnect"), "get");
        assert_eq!(
            method_name(Get, p, "/ovhCloudConnect/{serviceName}"),
            "get_by_service_name"
        );
        assert_eq!(
            method_name(
                Delete,
                p,
                "/ovhCloudConnect/{serviceName}/config/pop/{popId}/datacenter/{datacenterId}"
            ),
            "delete_config_pop_datacenter_by_datacenter_id"
        );
        assert_eq!(
            method_name(Post, p, "/ovhCloudConnect/{serviceName}/config/pop"),
            "post_config_pop"
        );
        assert_eq!(
            method_name(Get, "/me", "/me/bill/{billId}/details"),
            "get_bill_details"
        );
        assert_eq!(
            method_name(
                Get,
                "/dedicated/server",
                "/dedicated/server/{serviceName}/ipCountryAvailable"
            ),
            "get_ip_country_available"
        );
        assert_eq!(
            method_name_with_params(Get, "/me", "/me/bill/{billId}/details"),
            "get_bill_by_bill_id_details"
        );
    }

    #[test]
    fn unique_appends_numbers() {
        let mut taken = Default::default();
        assert_eq!(unique("a".into(), &mut taken), "a");
        assert_eq!(unique("a".into(), &mut taken), "a2");
        assert_eq!(unique("a".into(), &mut taken), "a3");
    }
}
