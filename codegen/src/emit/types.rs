//! Rust types for schema types.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::plan::{is_string, ItemPath, Passing, Type, TypeTable};
use crate::typeexpr::Primitive;

pub fn primitive(p: Primitive) -> TokenStream {
    // The plan passes these as `&str`; which they are is decided there, once.
    if is_string(p) {
        return quote!(String);
    }
    match p {
        Primitive::Password => quote!(crate::types::Password),
        Primitive::Long => quote!(i64),
        Primitive::Double => quote!(f64),
        Primitive::Boolean => quote!(bool),
        Primitive::Uuid => quote!(crate::types::Uuid),
        Primitive::Date => quote!(crate::types::Date),
        Primitive::DateTime => quote!(crate::types::DateTime),
        Primitive::Ip => quote!(std::net::IpAddr),
        Primitive::Ipv4 => quote!(std::net::Ipv4Addr),
        Primitive::Ipv6 => quote!(std::net::Ipv6Addr),
        Primitive::IpBlock => quote!(crate::types::IpBlock),
        Primitive::Ipv4Block => quote!(crate::types::Ipv4Block),
        Primitive::Ipv6Block => quote!(crate::types::Ipv6Block),
        Primitive::Any => quote!(serde_json::Value),
        _ => quote!(String),
    }
}

/// The Rust type of a planned type.
pub fn rust_type(ty: &Type, types: &TypeTable) -> TokenStream {
    match ty {
        Type::Unit => quote!(()),
        Type::Primitive(p) => primitive(*p),
        Type::Param(name) => {
            let ident = format_ident!("{}", name);
            quote!(#ident)
        }
        Type::List(inner) => {
            let inner = rust_type(inner, types);
            quote!(Vec<#inner>)
        }
        Type::Map(k, v) => {
            let (k, v) = (rust_type(k, types), rust_type(v, types));
            quote!(std::collections::BTreeMap<#k, #v>)
        }
        Type::Alias { id, .. } => path_tokens(types.path(*id)),
        Type::Named { id, args } => {
            let path = path_tokens(types.path(*id));
            if args.is_empty() {
                path
            } else {
                let args = args.iter().map(|a| rust_type(a, types));
                quote!(#path<#(#args),*>)
            }
        }
        // Never printed: `emit` refuses a plan holding one.
        Type::Unresolved(_) => quote!(serde_json::Value),
    }
}

/// `crate::models::a::b::Name`.
pub fn path_tokens(path: &ItemPath) -> TokenStream {
    path_tokens_in(path, quote!(crate))
}

/// `{krate}::models::a::b::Name`, to name the type from outside the crate.
pub fn path_tokens_in(path: &ItemPath, krate: TokenStream) -> TokenStream {
    let modules = path.modules.iter().map(|m| format_ident!("{}", m));
    let name = format_ident!("{}", path.name);
    quote!(#krate::models:: #(#modules::)* #name)
}

/// How a value of this type is passed to a method, as [`Passing`] says.
pub fn argument_type(ty: &Type, passing: Passing, types: &TypeTable) -> TokenStream {
    let ty = ty.without_aliases();
    match (passing, ty) {
        (Passing::Str, _) => quote!(&str),
        (Passing::ByValue, _) => rust_type(ty, types),
        (Passing::Slice, Type::List(item)) => {
            let item = rust_type(item, types);
            quote!(&[#item])
        }
        _ => {
            let t = rust_type(ty, types);
            quote!(&#t)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{build, TypeRef};
    use crate::plan::{passing, Lock, Plan};
    use crate::reader::{parse_schema, Branch, LoadedSchema};
    use crate::typeexpr::parse;
    use std::path::{Path, PathBuf};

    fn plan() -> (crate::model::Ir, Plan) {
        let doc = r#"{"resourcePath":"/a","models":{
            "a.b.Thing":{"id":"Thing","namespace":"a.b","properties":{}},
            "a.Option":{"id":"Option","namespace":"a","properties":{}},
            "complexType.UnitAndValue<T>":{"id":"UnitAndValue","namespace":"complexType","generics":["T"],
              "properties":{"value":{"type":"T","canBeNull":false}}},
            "a.KindEnum":{"id":"KindEnum","namespace":"a","enum":["x"],"enumType":"string"},
            "a.Uses":{"id":"Uses","namespace":"a","properties":{
              "id":{"type":"string","fullType":"coreTypes.AccountId:string","canBeNull":false}}}}}"#;
        let doc = parse_schema(Path::new("a.json"), doc.as_bytes()).unwrap();
        let ir = build(vec![LoadedSchema {
            branch: Branch::V1,
            file: PathBuf::from("a.json"),
            sha256: String::new(),
            size: 0,
            doc,
        }]);
        let plan = Plan::new(&ir, &Lock::default());
        (ir, plan)
    }

    fn rust(expr: &str, plan: &Plan) -> String {
        let parsed = parse(expr).unwrap();
        rust_type(&plan.types.resolve(&to_ref(&parsed)), &plan.types)
            .to_string()
            .replace(' ', "")
    }

    /// Enough of the model stage's resolution for these expressions.
    fn to_ref(expr: &crate::typeexpr::TypeExpr) -> TypeRef {
        use crate::typeexpr::TypeExpr as E;
        match expr {
            E::Void => TypeRef::Unit,
            E::Primitive(p) => TypeRef::Primitive(*p),
            E::Array(i) => TypeRef::Array(Box::new(to_ref(i))),
            E::Map(k, v) => TypeRef::Map(Box::new(to_ref(k)), Box::new(to_ref(v))),
            E::Alias { name, target } => TypeRef::Alias {
                name: name.clone(),
                target: Box::new(to_ref(target)),
            },
            E::Named { name, args } if args.is_empty() => TypeRef::Model {
                key: name.clone(),
                args: vec![],
            },
            E::Named { name, args } => TypeRef::Model {
                key: format!("{name}<T>"),
                args: args.iter().map(to_ref).collect(),
            },
        }
    }

    #[test]
    fn primitives_map_to_helpful_rust_types() {
        let (_, plan) = plan();
        let cases = [
            ("long", "i64"),
            ("double", "f64"),
            ("boolean", "bool"),
            ("string", "String"),
            ("text", "String"),
            ("phoneNumber", "String"),
            ("password", "crate::types::Password"),
            ("uuid", "crate::types::Uuid"),
            ("datetime", "crate::types::DateTime"),
            ("date", "crate::types::Date"),
            ("ip", "std::net::IpAddr"),
            ("ipv4", "std::net::Ipv4Addr"),
            ("ipv6", "std::net::Ipv6Addr"),
            ("ipBlock", "crate::types::IpBlock"),
            ("ipv4Block", "crate::types::Ipv4Block"),
            ("ipv6Block", "crate::types::Ipv6Block"),
            ("any", "serde_json::Value"),
            ("void", "()"),
        ];
        for (schema, expected) in cases {
            assert_eq!(rust(schema, &plan), expected, "{schema}");
        }
    }

    #[test]
    fn composite_types() {
        let (_, plan) = plan();
        assert_eq!(
            rust("a.b.Thing[]", &plan),
            "Vec<crate::models::a::b::Thing>"
        );
        assert_eq!(
            rust("map[a.KindEnum]long", &plan),
            "std::collections::BTreeMap<crate::models::a::KindEnum,i64>"
        );
        assert_eq!(
            rust("complexType.UnitAndValue<double>", &plan),
            "crate::models::complex_type::UnitAndValue<f64>"
        );
        assert_eq!(
            rust("coreTypes.AccountId:string", &plan),
            "crate::models::core_types::AccountId"
        );
        assert_eq!(
            rust("a.Option", &plan),
            "crate::models::a::Option_",
            "prelude names are never shadowed"
        );
    }

    #[test]
    fn arguments_borrow_what_is_not_copy() {
        let (_, plan) = plan();
        let arg = |e: &str| {
            let ty = plan.types.resolve(&to_ref(&parse(e).unwrap()));
            let passing = passing(&ty);
            let t = argument_type(&ty, passing, &plan.types);
            (t.to_string().replace(' ', ""), passing == Passing::ByValue)
        };
        assert_eq!(arg("string"), ("&str".to_owned(), false));
        assert_eq!(
            arg("coreTypes.AccountId:string"),
            ("&str".to_owned(), false)
        );
        assert_eq!(arg("long"), ("i64".to_owned(), true));
        assert_eq!(arg("ipBlock"), ("crate::types::IpBlock".to_owned(), true));
        assert_eq!(arg("string[]"), ("&[String]".to_owned(), false));
        assert_eq!(
            arg("a.KindEnum"),
            ("&crate::models::a::KindEnum".to_owned(), false)
        );
    }
}
