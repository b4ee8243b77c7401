//! Structs, enums and aliases for schema models.
//!
//! Every struct and enum is `#[non_exhaustive]`: a field or enum value OVH adds later is then a
//! minor, not a breaking, change of the crate. Callers build request bodies through `new` or
//! `Default` and set optional fields afterwards.
//!
//! (De)serialization is written out per type against the small `crate::codec` helpers rather
//! than derived: serde_derive's expansion is several times larger, and compile time of the
//! whole API surface is decided by the volume of emitted code.

use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};

use super::docs;
use super::types::rust_type;
use crate::model::{BodyShape, EnumValues, Ir, Model, ModelKind, Property, Role, TypeRef};
use crate::naming::{enum_variants, field_names, integer_variant, UNKNOWN_FIELDS, UNKNOWN_VARIANT};
use crate::plan::{reaches_directly, ItemPath, TypeId, TypeItem, TypeTable};

/// The item the plan's type `id` stands for.
pub fn item(ir: &Ir, types: &TypeTable, id: TypeId) -> TokenStream {
    let entry = types.entry(id);
    match &entry.item {
        TypeItem::Model(key) => ir
            .models
            .get(key)
            .map(|m| model(ir, types, m, &entry.path))
            .unwrap_or_default(),
        TypeItem::BodyShape(key, shape) => ir
            .models
            .get(key)
            .map(|m| body_shape(ir, types, m, *shape, &entry.path))
            .unwrap_or_default(),
        TypeItem::Alias(name) => ir
            .aliases
            .get(name)
            .map(|target| alias(name, target, &entry.path, types))
            .unwrap_or_default(),
    }
}

fn alias(name: &str, target: &TypeRef, path: &ItemPath, types: &TypeTable) -> TokenStream {
    let ident = format_ident!("{}", path.name);
    let target_tokens = rust_type(&types.resolve(target), types);
    let doc = docs::attrs(&[vec![format!("Alias {} of the schemas.", docs::code(name))]]);
    quote! {
        #doc
        pub type #ident = #target_tokens;
    }
}

fn model(ir: &Ir, types: &TypeTable, model: &Model, path: &ItemPath) -> TokenStream {
    match &model.kind {
        ModelKind::Enum(values) => enumeration(model, path, values),
        ModelKind::Object {
            generics,
            properties,
        } => {
            let fields = properties
                .iter()
                .map(|p| Field::new(ir, &model.key, p, ir.mandatory(&model.key, p, None)))
                .collect();
            let doc = model_doc(model, None);
            let kind = StructKind {
                output: ir.role(&model.key) == Role::Output,
                constructible: ir.constructible(&model.key, None),
            };
            object(types, path, generics, fields, kind, doc)
        }
    }
}

/// The request-body variant of an output model: writable fields only.
fn body_shape(
    ir: &Ir,
    types: &TypeTable,
    model: &Model,
    shape: BodyShape,
    path: &ItemPath,
) -> TokenStream {
    let ModelKind::Object {
        generics,
        properties,
    } = &model.kind
    else {
        return TokenStream::new();
    };
    let fields = properties
        .iter()
        .filter(|p| !p.read_only)
        .map(|p| Field::new(ir, &model.key, p, ir.mandatory(&model.key, p, Some(shape))))
        .collect();
    let doc = model_doc(model, Some(shape));
    let kind = StructKind {
        output: false,
        constructible: ir.constructible(&model.key, Some(shape)),
    };
    object(types, path, generics, fields, kind, doc)
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

/// How a struct is used: read from responses (then an unset field is written as `null`), and
/// built by callers (then it gets `new` or `Default`).
#[derive(Clone, Copy)]
struct StructKind {
    output: bool,
    constructible: bool,
}

struct Field<'a> {
    prop: &'a Property,
    required: bool,
    boxed: bool,
}

impl<'a> Field<'a> {
    fn new(ir: &Ir, owner: &str, prop: &'a Property, required: bool) -> Field<'a> {
        let boxed = prop
            .ty
            .direct_model()
            .is_some_and(|m| reaches_directly(ir, m, owner));
        Field {
            prop,
            required,
            boxed,
        }
    }
}

fn object(
    types: &TypeTable,
    path: &ItemPath,
    generics: &[String],
    fields: Vec<Field<'_>>,
    kind: StructKind,
    doc: TokenStream,
) -> TokenStream {
    let StructKind {
        output,
        constructible,
    } = kind;
    let ident = format_ident!("{}", path.name);
    let params: Vec<_> = generics.iter().map(|g| format_ident!("{}", g)).collect();
    let (decl_generics, ser_generics, de_generics) = if params.is_empty() {
        (quote!(), quote!(), quote!(<'de>))
    } else {
        (
            quote!(<#(#params),*>),
            quote!(<#(#params: serde::Serialize),*>),
            quote!(<'de, #(#params: serde::de::DeserializeOwned),*>),
        )
    };
    let names = field_names(fields.iter().map(|f| f.prop.name.as_str()));
    let mut decls = Vec::new();
    let mut writes = Vec::new();
    let mut reads = Vec::new();
    let mut required_args = Vec::new();
    let mut defaults = Vec::new();
    for (field, name) in fields.iter().zip(names) {
        let name = format_ident!("{}", name);
        let key = Literal::string(&field.prop.name);
        let (list_item, mut ty) = match &field.prop.ty {
            TypeRef::Array(inner) => (
                Some(rust_type(&types.resolve(inner), types)),
                rust_type(&types.resolve(&field.prop.ty), types),
            ),
            other => (None, rust_type(&types.resolve(other), types)),
        };
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
            (false, false) => quote!(object.optional(#key, &self.#name)?;),
            _ => quote!(object.field(#key, &self.#name)?;),
        });
        reads.push(match (&list_item, field.required) {
            (Some(item), true) if !field.boxed => {
                quote!(#name: object.required_list::<#item>(#key)?,)
            }
            (Some(item), false) if !field.boxed => {
                quote!(#name: object.optional_list::<#item>(#key)?,)
            }
            (_, true) => quote!(#name: object.required(#key)?,),
            (_, false) => quote!(#name: object.optional(#key)?,),
        });
        if field.required {
            required_args.push((name, ty));
        } else {
            defaults.push(name);
        }
    }
    let unknown = format_ident!("{}", UNKNOWN_FIELDS);
    // What callers build gets a constructor, or Default when nothing is mandatory.
    let (derive_default, constructor) = if !constructible {
        (quote!(), quote!())
    } else if required_args.is_empty() {
        (quote!(Default,), quote!())
    } else {
        let names: Vec<_> = required_args.iter().map(|(n, _)| n).collect();
        let types = required_args.iter().map(|(_, t)| t);
        (
            quote!(),
            quote! {
                impl #decl_generics #ident #decl_generics {
                    /// Builds the value from its mandatory fields; the others start unset.
                    pub fn new(#(#names: #types),*) -> Self {
                        Self { #(#names,)* #(#defaults: None,)* #unknown: Default::default() }
                    }
                }
            },
        )
    };
    let name_str = Literal::string(&path.name);
    quote! {
        #doc
        #[derive(Clone, Debug, PartialEq, #derive_default)]
        #[non_exhaustive]
        pub struct #ident #decl_generics {
            #(#decls)*
            /// JSON members the schema does not declare, kept as received.
            pub #unknown: crate::codec::UnknownFields,
        }

        #constructor

        impl #ser_generics serde::Serialize for #ident #decl_generics {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                let mut object = crate::codec::ObjectWriter::new(serializer)?;
                #(#writes)*
                object.end(&self.#unknown)
            }
        }

        impl #de_generics serde::Deserialize<'de> for #ident #decl_generics {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                crate::codec::read_object(deserializer, #name_str, |object| {
                    Ok(Self {
                        #(#reads)*
                        #unknown: object.into_unknown(),
                    })
                })
            }
        }
    }
}

fn enumeration(model: &Model, path: &ItemPath, values: &EnumValues) -> TokenStream {
    let ident = format_ident!("{}", path.name);
    let unknown = format_ident!("{}", UNKNOWN_VARIANT);
    let doc = model_doc(model, None);
    match values {
        EnumValues::Strings(values) => {
            let variants: Vec<_> = enum_variants(values.iter().map(String::as_str))
                .into_iter()
                .map(|v| format_ident!("{}", v))
                .collect();
            let literals: Vec<_> = values.iter().map(|v| Literal::string(v)).collect();
            let variant_docs = values.iter().map(|v| format!(" {}", docs::code(v)));
            quote! {
                #doc
                #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
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
            let variants: Vec<_> = values
                .iter()
                .map(|v| format_ident!("{}", integer_variant(*v)))
                .collect();
            let literals: Vec<_> = values.iter().map(|v| Literal::i64_unsuffixed(*v)).collect();
            let variant_docs = values.iter().map(|v| format!(" `{v}`"));
            quote! {
                #doc
                #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
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
