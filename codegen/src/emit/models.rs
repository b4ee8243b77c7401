//! Structs, enums and aliases for schema models.
//!
//! Every struct and enum is `#[non_exhaustive]`: a field or enum value OVH adds later is then a
//! minor, not a breaking, change of the crate. Callers build request bodies through `new` or
//! `Default` and set optional fields afterwards.
//!
//! (De)serialization is written out per type against the small `crate::codec` helpers rather
//! than derived: serde_derive's expansion is several times larger, and compile time of the
//! whole API surface is decided by the volume of emitted code. For the same reason members are
//! read and written by plain calls: the codec keeps the first error, and required members are
//! checked once the object is read. A `?` per member, each an early return that must drop what
//! was read so far, took a third of the time of checking the whole surface (32.6 → 23.6 s for
//! the models of every API, measured with `-Z time-passes`).

use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};

use super::docs;
use super::types::rust_type;
use crate::model::{BodyShape, EnumValues, Ir, Model, ModelKind, Property};
use crate::naming::{UNKNOWN_FIELDS, UNKNOWN_VARIANT};
use crate::plan::{
    Derive, EnumPlan, ItemPath, StructPlan, Type, TypeEntry, TypeId, TypeItem, TypeShape, TypeTable,
};

/// The item the plan's type `id` stands for, as the plan shaped it.
pub fn item(ir: &Ir, types: &TypeTable, id: TypeId) -> TokenStream {
    let entry = types.entry(id);
    let (key, shape) = match (&entry.item, &entry.shape) {
        (TypeItem::Alias(name), TypeShape::Alias(target)) => {
            return alias(name, target, &entry.path, types)
        }
        (TypeItem::Model(key), _) => (key, None),
        (TypeItem::BodyShape(key, shape), _) => (key, Some(*shape)),
        (TypeItem::Alias(_), _) => return TokenStream::new(),
    };
    let Some(model) = ir.models.get(key) else {
        return TokenStream::new();
    };
    let doc = model_doc(model, shape);
    match (&entry.shape, &model.kind) {
        (
            TypeShape::Struct(plan),
            ModelKind::Object {
                generics,
                properties,
            },
        ) => {
            let fields = plan
                .fields
                .iter()
                .map(|f| Field {
                    prop: &properties[f.property],
                    name: &f.name,
                    required: f.required,
                    boxed: f.boxed,
                    ty: &f.ty,
                })
                .collect();
            object(types, entry, plan, generics, fields, doc)
        }
        (TypeShape::Enum(plan), ModelKind::Enum(values)) => enumeration(entry, plan, values, doc),
        _ => TokenStream::new(),
    }
}

/// `#[derive(…)]` of the plan's derives.
pub fn derive_attr(derives: &[Derive]) -> TokenStream {
    let derives = derives.iter().map(|d| format_ident!("{}", d.name()));
    quote!(#[derive(#(#derives),*)])
}

fn alias(name: &str, target: &Type, path: &ItemPath, types: &TypeTable) -> TokenStream {
    let ident = format_ident!("{}", path.name);
    let target_tokens = rust_type(target, types);
    let doc = docs::attrs(&[vec![format!("Alias {} of the schemas.", docs::code(name))]]);
    quote! {
        #doc
        pub type #ident = #target_tokens;
    }
}

fn model_doc(model: &Model, shape: Option<BodyShape>) -> TokenStream {
    let mut paragraphs = vec![model
        .description
        .as_deref()
        .map(docs::lines)
        .unwrap_or_default()];
    let key = docs::code(&model.key);
    paragraphs.push(vec![match shape {
        None => format!("Schema model {key}."),
        Some(BodyShape::Create) => format!("Request body to create a {key} (schema model): its read-only fields are left out."),
        Some(BodyShape::Update) => format!(
            "Request body to update a {key} (schema model): its read-only fields are left out, and only the fields that are set are sent."
        ),
    }]);
    docs::attrs(&paragraphs)
}

/// One field as the plan decided it, with the property it holds.
struct Field<'a> {
    prop: &'a Property,
    name: &'a str,
    required: bool,
    boxed: bool,
    ty: &'a Type,
}

fn object(
    types: &TypeTable,
    entry: &TypeEntry,
    plan: &StructPlan,
    generics: &[String],
    fields: Vec<Field<'_>>,
    doc: TokenStream,
) -> TokenStream {
    let (path, output) = (&entry.path, plan.output);
    let ident = format_ident!("{}", path.name);
    let params: Vec<_> = generics.iter().map(|g| format_ident!("{}", g)).collect();
    let (decl_generics, ser_generics, object_generics, de_generics) = if params.is_empty() {
        (quote!(), quote!(), quote!(), quote!(<'de>))
    } else {
        (
            quote!(<#(#params),*>),
            quote!(<#(#params: serde::Serialize),*>),
            quote!(<#(#params: serde::de::DeserializeOwned),*>),
            quote!(<'de, #(#params: serde::de::DeserializeOwned),*>),
        )
    };
    let (reader, member) = plan.decoder_locals();
    let (reader, member) = (format_ident!("{}", reader), format_ident!("{}", member));
    let mut decls = Vec::new();
    let mut writes = Vec::new();
    let mut reads = Vec::new();
    let mut keys = Vec::new();
    let mut slots = Vec::new();
    let mut values = Vec::new();
    let mut required_args = Vec::new();
    let mut defaults = Vec::new();
    for field in &fields {
        let name = format_ident!("{}", field.name);
        let key = Literal::string(&field.prop.name);
        let is_list = matches!(field.ty, Type::List(_)) && !field.boxed;
        let mut ty = rust_type(field.ty, types);
        if field.boxed {
            ty = quote!(Box<#ty>);
        }
        let field_ty = if field.required {
            ty.clone()
        } else {
            quote!(Option<#ty>)
        };
        let doc = docs::attrs(&[field
            .prop
            .description
            .as_deref()
            .map(docs::lines)
            .unwrap_or_default()]);
        decls.push(quote!(#doc pub #name: #field_ty,));
        writes.push(match (field.required, output) {
            (false, false) => quote!(object.optional(#key, &self.#name);),
            _ => quote!(object.field(#key, &self.#name);),
        });
        reads.push(match (is_list, field.required) {
            (true, true) => quote!(read_list),
            (true, false) => quote!(read_optional_list),
            (false, true) => quote!(read),
            (false, false) => quote!(read_optional),
        });
        values.push(if field.required {
            quote!(#name: crate::codec::filled(#name))
        } else {
            quote!(#name)
        });
        keys.push(key.clone());
        slots.push(name.clone());
        if field.required {
            required_args.push((name, key, ty));
        } else {
            defaults.push(name);
        }
    }
    let unknown = format_ident!("{}", UNKNOWN_FIELDS);
    // What callers build gets a constructor when a field is mandatory (else it derives Default).
    let constructor = if plan.has_constructor() {
        let names: Vec<_> = required_args.iter().map(|(n, _, _)| n).collect();
        let types = required_args.iter().map(|(_, _, t)| t);
        quote! {
            impl #decl_generics #ident #decl_generics {
                /// Builds the value from its mandatory fields; the others start unset.
                pub fn new(#(#names: #types),*) -> Self {
                    Self { #(#names,)* #(#defaults: None,)* #unknown: Default::default() }
                }
            }
        }
    } else {
        quote!()
    };
    let derives = derive_attr(&entry.derives);
    let name_str = Literal::string(&path.name);
    let requires = required_args
        .iter()
        .map(|(name, key, _)| quote!(#reader.require(&mut #name, #key);));
    quote! {
        #doc
        #derives
        #[non_exhaustive]
        pub struct #ident #decl_generics {
            #(#decls)*
            /// JSON members the schema does not declare, kept as received.
            pub #unknown: crate::codec::UnknownFields,
        }

        #constructor

        impl #ser_generics serde::Serialize for #ident #decl_generics {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                let mut object = crate::codec::ObjectWriter::new(serializer);
                #(#writes)*
                object.end(&self.#unknown)
            }
        }

        impl #object_generics crate::codec::Object for #ident #decl_generics {
            const NAME: &'static str = #name_str;

            fn read<'de, A: serde::de::MapAccess<'de>>(
                mut #reader: crate::codec::ObjectReader<'de, A>,
            ) -> Result<Self, A::Error> {
                #(let mut #slots = None;)*
                while let Some(#member) = #reader.next_key() {
                    match #member.as_str() {
                        #(#keys => #reader.#reads(&mut #slots, #keys),)*
                        _ => #reader.unknown(#member),
                    }
                }
                #(#requires)*
                let #unknown = #reader.end()?;
                Ok(Self { #(#values,)* #unknown })
            }
        }

        impl #de_generics serde::Deserialize<'de> for #ident #decl_generics {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                crate::codec::read_object(deserializer)
            }
        }
    }
}

fn enumeration(
    entry: &TypeEntry,
    plan: &EnumPlan,
    values: &EnumValues,
    doc: TokenStream,
) -> TokenStream {
    let ident = format_ident!("{}", entry.path.name);
    let unknown = format_ident!("{}", UNKNOWN_VARIANT);
    let derives = derive_attr(&entry.derives);
    let variants: Vec<_> = plan
        .variants
        .iter()
        .map(|v| format_ident!("{}", v))
        .collect();
    match values {
        EnumValues::Strings(values) => {
            let literals: Vec<_> = values.iter().map(|v| Literal::string(v)).collect();
            let variant_docs = values.iter().map(|v| format!(" {}", docs::code(v)));
            quote! {
                #doc
                #derives
                #[non_exhaustive]
                pub enum #ident {
                    #(#[doc = #variant_docs] #variants,)*
                    /// A value the schema does not list, kept as received.
                    #unknown(String),
                }

                impl #ident {
                    /// The value as sent on the wire.
                    pub fn as_str(&self) -> &str {
                        match self {
                            #(Self::#variants => #literals,)*
                            Self::#unknown(value) => value,
                        }
                    }
                }

                impl From<&str> for #ident {
                    fn from(value: &str) -> Self {
                        match value {
                            #(#literals => Self::#variants,)*
                            other => Self::#unknown(other.to_owned()),
                        }
                    }
                }

                crate::codec::string_enum!(#ident);
            }
        }
        EnumValues::Integers(values) => {
            let literals: Vec<_> = values.iter().map(|v| Literal::i64_unsuffixed(*v)).collect();
            let variant_docs = values.iter().map(|v| format!(" `{v}`"));
            quote! {
                #doc
                #derives
                #[non_exhaustive]
                pub enum #ident {
                    #(#[doc = #variant_docs] #variants,)*
                    /// A value the schema does not list, kept as received.
                    #unknown(i64),
                }

                impl #ident {
                    /// The value as sent on the wire.
                    pub fn value(&self) -> i64 {
                        match self {
                            #(Self::#variants => #literals,)*
                            Self::#unknown(value) => *value,
                        }
                    }
                }

                impl From<i64> for #ident {
                    fn from(value: i64) -> Self {
                        match value {
                            #(#literals => Self::#variants,)*
                            other => Self::#unknown(other),
                        }
                    }
                }

                crate::codec::integer_enum!(#ident);
            }
        }
    }
}
