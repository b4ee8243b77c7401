//! Rust types for schema types.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::plan::Plan;
use crate::model::TypeRef;
use crate::typeexpr::Primitive;

pub fn primitive(p: Primitive) -> TokenStream {
    match p {
        Primitive::String
        | Primitive::Text
        | Primitive::PhoneNumber
        | Primitive::InternationalPhoneNumber
        | Primitive::MacAddress
        | Primitive::Duration
        | Primitive::Time
        | Primitive::IpInterface => quote!(String),
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
    }
}

/// The Rust type of a schema type.
pub fn rust_type(ty: &TypeRef, plan: &Plan) -> TokenStream {
    match ty {
        TypeRef::Unit => quote!(()),
        TypeRef::Primitive(p) => primitive(*p),
        TypeRef::Param(name) => {
            let ident = format_ident!("{}", name);
            quote!(#ident)
        }
        TypeRef::Array(inner) => {
            let inner = rust_type(inner, plan);
            quote!(Vec<#inner>)
        }
        TypeRef::Map(k, v) => {
            let (k, v) = (rust_type(k, plan), rust_type(v, plan));
            quote!(std::collections::BTreeMap<#k, #v>)
        }
        TypeRef::Alias { name, .. } => plan.aliases[name].tokens(),
        TypeRef::Model { key, args } => {
            let path = plan.models[key].tokens();
            if args.is_empty() {
                path
            } else {
                let args = args.iter().map(|a| rust_type(a, plan));
                quote!(#path<#(#args),*>)
            }
        }
    }
}

/// How a value of this type is best passed to a method: `&str` for strings, by value for small
/// `Copy` types, `&[T]` for lists and by reference for the rest.
pub fn argument_type(ty: &TypeRef, plan: &Plan) -> (TokenStream, bool) {
    match ty {
        TypeRef::Alias { target, .. } => argument_type(target, plan),
        TypeRef::Primitive(p) if is_string(*p) => (quote!(&str), false),
        TypeRef::Primitive(p) if is_copy(*p) => (primitive(*p), true),
        TypeRef::Array(inner) => {
            let inner = rust_type(inner, plan);
            (quote!(&[#inner]), false)
        }
        _ => {
            let t = rust_type(ty, plan);
            (quote!(&#t), false)
        }
    }
}

fn is_string(p: Primitive) -> bool {
    primitive(p).to_string() == "String"
}

fn is_copy(p: Primitive) -> bool {
    matches!(
        p,
        Primitive::Long
            | Primitive::Double
            | Primitive::Boolean
            | Primitive::Uuid
            | Primitive::Date
            | Primitive::DateTime
            | Primitive::Ip
            | Primitive::Ipv4
            | Primitive::Ipv6
            | Primitive::IpBlock
            | Primitive::Ipv4Block
            | Primitive::Ipv6Block
    )
}
