//! One accessor struct per API and one method per operation, calling the runtime's `Call`.

use std::collections::{BTreeMap, BTreeSet};

use heck::ToUpperCamelCase;
use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};

use super::docs;
use super::plan::Plan;
use super::types::{argument_type, rust_type};
use crate::model::{Api, Ir, Model, ModelKind, Operation, Param, ParamLocation, TypeRef};
use crate::naming::{camel, enum_variants, method_name, method_name_with_params, snake, unique};
use crate::reader::{Branch, HttpMethod, Stability};

/// The module and accessor name of an API: `ovh_cloud_connect`, `v2_iam`.
pub fn api_module(api: &Api) -> String {
    let base = snake(&api.name.trim_start_matches('/').replace('/', "_"));
    match api.branch {
        Branch::V1 => base,
        Branch::V2 => format!("v2_{}", base.trim_start_matches('_')),
    }
}

/// The path as OVH's documentation shows it: `/me/bill` for v1, `/v2/iam/policy` for v2.
fn display_path(api: &Api, path: &str) -> String {
    match api.branch {
        Branch::V1 => path.to_owned(),
        Branch::V2 => format!("/v2{path}"),
    }
}

/// The key of an operation in a method-name lock: `GET /me/bill/{billId}`.
pub fn operation_key(op: &Operation) -> String {
    format!("{} {}", op.method.as_str(), op.path)
}

/// Method names for every operation of an API, in operation order.
///
/// Names recorded in `lock` (the manifest of a previous generation) are kept, so a new endpoint
/// never renames an existing method. Other operations are named by [`method_name`]; a name
/// that several operations (or a locked name) would share falls back to
/// [`method_name_with_params`], then to a numeric suffix.
pub fn method_names(api: &Api, lock: Option<&BTreeMap<String, String>>) -> Vec<String> {
    let locked: Vec<Option<&String>> = api
        .operations
        .iter()
        .map(|op| {
            lock.and_then(|l| l.get(&operation_key(op)))
                .filter(|n| is_method_ident(n))
        })
        .collect();
    let mut taken: BTreeSet<String> = BTreeSet::new();
    for name in locked.iter().flatten() {
        taken.insert((*name).clone());
    }
    let plain: Vec<String> = api
        .operations
        .iter()
        .map(|op| method_name(op.method, &api.name, &op.path))
        .collect();
    let mut count: BTreeMap<&str, usize> = BTreeMap::new();
    for (name, locked) in plain.iter().zip(&locked) {
        if locked.is_none() {
            *count.entry(name).or_default() += 1;
        }
    }
    api.operations
        .iter()
        .zip(plain.iter().zip(&locked))
        .map(|(op, (name, locked))| match locked {
            Some(locked) => (*locked).clone(),
            None if count[name.as_str()] > 1 || taken.contains(name) => unique(
                method_name_with_params(op.method, &api.name, &op.path),
                &mut taken,
            ),
            None => unique(name.clone(), &mut taken),
        })
        .collect()
}

/// A lock entry is only trusted if it is a plain method identifier.
fn is_method_ident(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && name == snake(name)
}

pub fn api(
    api: &Api,
    ir: &Ir,
    plan: &Plan,
    lock: Option<&BTreeMap<String, String>>,
) -> TokenStream {
    if api.operations.is_empty() {
        // A models-only schema (`/products`): its models are under `crate::models`.
        return TokenStream::new();
    }
    let module = api_module(api);
    let accessor = format_ident!("{}", module);
    let ident = format_ident!("{}", camel(&module));
    let branch = match api.branch {
        Branch::V1 => quote!(crate::Branch::V1),
        Branch::V2 => quote!(crate::Branch::V2),
    };
    let title = format!(
        "Operations of the {} `{}` API.",
        match api.branch {
            Branch::V1 => "v1",
            Branch::V2 => "v2",
        },
        api.name
    );
    let mut about = vec![title.clone()];
    for (section, text) in &api.subsections {
        about.push(String::new());
        about.push(format!(
            "**{}**: {}",
            docs::lines(section).join(" "),
            docs::lines(text).join(" ")
        ));
    }
    let about = docs::attrs(&[about]);
    let accessor_doc = docs::attrs(&[vec![title]]);
    let collections = collections(api, ir);
    let field_enums = field_enum_names(&collections, plan);
    let mut methods = Vec::new();
    let mut builders = Vec::new();
    for (op, name) in api.operations.iter().zip(method_names(api, lock)) {
        let listing = collections
            .get(op.path.as_str())
            .filter(|_| op.method == HttpMethod::Get)
            .map(|c| (c, field_enums[&c.model.key].as_str()));
        let (method, builder) = operation(api, op, &name, &ident, plan, listing);
        methods.push(method);
        builders.push(builder);
    }
    let fields = fields_module(ir, &collections, &field_enums, plan);
    let schemas_version = match (api.branch, &api.api_version) {
        (Branch::V2, Some(v)) => {
            let v = Literal::string(v);
            quote! {
                /// The `X-Schemas-Version` of the schema this API was generated from.
                pub const SCHEMAS_VERSION: &'static str = #v;
            }
        }
        _ => quote!(),
    };
    let pin = match api.branch {
        Branch::V2 if api.api_version.is_some() => quote!(.schemas_version(Self::SCHEMAS_VERSION)),
        _ => quote!(),
    };
    let call_helper = quote! {
        fn call<R>(&self, method: crate::Method, path: &'static str) -> crate::Call<'a, R> {
            crate::Call::new(self.client, #branch, method, path) #pin
        }
    };
    quote! {
        #about
        #[derive(Clone, Copy, Debug)]
        pub struct #ident<'a> {
            client: &'a crate::Client,
        }

        impl crate::Client {
            #accessor_doc
            pub fn #accessor(&self) -> #ident<'_> {
                #ident { client: self }
            }
        }

        impl<'a> #ident<'a> {
            #schemas_version
            #call_helper
            #(#methods)*
        }

        #(#builders)*

        #fields
    }
}

/// A v1 collection (`GET /me/bill`, ids) whose items (`GET /me/bill/{billId}`, an object) can
/// be listed expanded.
pub(crate) struct Collection<'a> {
    item: &'a Operation,
    model: &'a Model,
    /// The member of an item that holds its id, when the item model has one named like the
    /// path parameter, or else `id`, or else `name` (a service's name is its id).
    pub id_key: Option<&'a str>,
}

/// The expandable collections of an API, by collection path.
pub(crate) fn collections<'a>(api: &'a Api, ir: &'a Ir) -> BTreeMap<&'a str, Collection<'a>> {
    if api.branch != Branch::V1 {
        return BTreeMap::new();
    }
    let gets = || {
        api.operations
            .iter()
            .filter(|op| op.method == HttpMethod::Get)
    };
    let mut found = BTreeMap::new();
    for list in gets() {
        let TypeRef::Array(id) = &list.response else {
            continue;
        };
        if list.paginated || id.direct_model().is_some_and(|k| is_object(ir, k)) {
            continue;
        }
        for item in gets() {
            let Some(param) = item
                .path
                .strip_prefix(list.path.as_str())
                .and_then(|rest| rest.strip_prefix("/{")?.strip_suffix('}'))
                .filter(|p| !p.contains(['/', '{']))
            else {
                continue;
            };
            let TypeRef::Model { key, args } = &item.response else {
                continue;
            };
            let Some(model) = ir.models.get(key).filter(|_| args.is_empty()) else {
                continue;
            };
            let ModelKind::Object { properties, .. } = &model.kind else {
                continue;
            };
            let id_key = [param, "id", "name"]
                .into_iter()
                .find(|k| properties.iter().any(|p| p.name == *k));
            found.insert(
                list.path.as_str(),
                Collection {
                    item,
                    model,
                    id_key,
                },
            );
        }
    }
    found
}

fn is_object(ir: &Ir, key: &str) -> bool {
    ir.models
        .get(key)
        .is_some_and(|m| matches!(m.kind, ModelKind::Object { .. }))
}

/// The name of each item model's field enum in the API's `fields` module: the model's type
/// name, unique within the API.
fn field_enum_names(
    collections: &BTreeMap<&str, Collection<'_>>,
    plan: &Plan,
) -> BTreeMap<String, String> {
    let mut taken = BTreeSet::new();
    let mut names = BTreeMap::new();
    for c in collections.values() {
        if !names.contains_key(&c.model.key) {
            let mut name = plan.models[&c.model.key].name.clone();
            if taken.contains(&name) {
                name = camel(&c.model.key.replace('.', "_"));
            }
            let name = unique(name, &mut taken);
            names.insert(c.model.key.clone(), name);
        }
    }
    names
}

/// Filterable fields of an item model: those holding one value (not lists, maps or objects).
fn scalar_fields<'a>(ir: &Ir, model: &'a Model) -> Vec<&'a str> {
    let ModelKind::Object { properties, .. } = &model.kind else {
        return Vec::new();
    };
    properties
        .iter()
        .filter(|p| {
            !p.ty.is_array()
                && !matches!(p.ty, TypeRef::Map(..))
                && !p.ty.direct_model().is_some_and(|k| is_object(ir, k))
        })
        .map(|p| p.name.as_str())
        .collect()
}

/// `pub mod fields`: one enum per item model of the API's expanded listings.
fn fields_module(
    ir: &Ir,
    collections: &BTreeMap<&str, Collection<'_>>,
    names: &BTreeMap<String, String>,
    plan: &Plan,
) -> TokenStream {
    if collections.is_empty() {
        return quote!();
    }
    let mut seen = BTreeSet::new();
    let enums = collections
        .values()
        .filter(|c| seen.insert(&c.model.key))
        .map(|c| {
            let ident = format_ident!("{}", names[&c.model.key]);
            let keys = scalar_fields(ir, c.model);
            let variants = enum_variants(keys.iter().copied())
                .into_iter()
                .map(|v| format_ident!("{}", v));
            let variants: Vec<_> = variants.collect();
            let docs = keys.iter().map(|k| format!(" `{k}`"));
            let keys = keys.iter().map(|k| Literal::string(k));
            let path = &plan.models[&c.model.key];
            let doc = format!(
                " Fields of [`{}`]({}) that expanded listings filter and sort on.",
                path.name,
                path.tokens().to_string().replace(' ', "")
            );
            quote! {
                #[doc = #doc]
                #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
                #[non_exhaustive]
                pub enum #ident {
                    #(#[doc = #docs] #variants,)*
                }

                impl crate::expanded::Field for #ident {
                    fn name(self) -> &'static str {
                        match self {
                            #(Self::#variants => #keys,)*
                        }
                    }
                }
            }
        });
    quote! {
        /// Fields of the item models of this API's expanded listings (`.expanded()`), to filter
        /// and sort on.
        pub mod fields {
            #(#enums)*
        }
    }
}

fn method_token(method: HttpMethod) -> TokenStream {
    match method {
        HttpMethod::Get => quote!(crate::Method::Get),
        HttpMethod::Post => quote!(crate::Method::Post),
        HttpMethod::Put => quote!(crate::Method::Put),
        HttpMethod::Delete | HttpMethod::Patch => quote!(crate::Method::Delete),
    }
}

/// Appends one parameter to the call being built.
fn push_param(param: &Param, value: TokenStream) -> TokenStream {
    let name = Literal::string(&param.name);
    match param.location {
        ParamLocation::Path => quote!(.path(#value)),
        ParamLocation::Query => quote!(.query(#name, #value)),
        ParamLocation::Header => quote!(.header(#name, #value)),
        ParamLocation::BodyField => quote!(.body_field(#name, #value)),
    }
}

fn operation(
    api: &Api,
    op: &Operation,
    name: &str,
    api_ident: &proc_macro2::Ident,
    plan: &Plan,
    listing: Option<(&Collection<'_>, &str)>,
) -> (TokenStream, TokenStream) {
    let method_ident = format_ident!("{}", name);
    let response = rust_type(&op.response, plan);
    let template = Literal::string(&op.path);
    let verb = method_token(op.method);

    let (required, optional) = parameters(op);

    let mut taken = BTreeSet::from(["self".to_owned()]);
    let mut args = Vec::new();
    let mut pushes = Vec::new();
    let mut arg_docs = Vec::new();
    for p in &required {
        let arg = format_ident!("{}", unique(snake(&p.name), &mut taken));
        let (ty, by_value) = argument_type(&p.ty, plan);
        args.push(quote!(#arg: #ty));
        pushes.push(push_param(
            p,
            if by_value {
                quote!(&#arg)
            } else {
                quote!(#arg)
            },
        ));
        arg_docs.extend(param_doc(&arg.to_string(), p));
    }
    if let Some(body) = &op.body {
        let arg = format_ident!("{}", unique("body".to_owned(), &mut taken));
        let ty = match (body.shape, body.ty.direct_model()) {
            (Some(shape), Some(key)) => plan.body_shapes[&(key.to_owned(), shape)].tokens(),
            _ => rust_type(&body.ty, plan),
        };
        args.push(quote!(#arg: &#ty));
        pushes.push(quote!(.body(#arg)));
    }
    if !op.authenticated {
        pushes.push(quote!(.unauthenticated()));
    }
    if op.paginated {
        pushes.push(quote!(.paginated()));
    }
    if let Some(key) = listing.and_then(|(c, _)| c.id_key) {
        pushes.push(quote!(.ids_from(#key)));
    }

    let doc = operation_doc(api, op, &arg_docs);
    let deprecated = deprecation(op);
    let call = quote!(self.call(#verb, #template) #(#pushes)*);
    // Every operation returns its own request type, even without optional parameters today:
    // a parameter OVH adds later becomes a setter on it, not a breaking change of the method.
    let builder = format_ident!("{}", name.to_upper_camel_case());
    let builder_doc = docs::attrs(&[vec![if optional.is_empty() {
        format!("Request for [`{api_ident}::{name}`]: `.await` it.")
    } else {
        format!("Request for [`{api_ident}::{name}`]: set optional parameters, then `.await` it.")
    }]]);
    let setters = optional.iter().map(|p| {
        let setter = format_ident!("{}", snake(&p.name));
        let (ty, by_value) = argument_type(&p.ty, plan);
        let value = if by_value {
            quote!(&value)
        } else {
            quote!(value)
        };
        let push = push_param(p, value);
        let mut lines = p
            .description
            .as_deref()
            .map(docs::lines)
            .unwrap_or_default();
        lines.push(String::new());
        lines.push(format!(
            "Optional {} parameter {}.",
            location_name(&p.location),
            docs::code(&p.name)
        ));
        let doc = docs::attrs(&[lines]);
        quote! {
            #doc
            pub fn #setter(self, value: #ty) -> Self {
                Self(self.0 #push)
            }
        }
    });
    let method = quote! {
        #doc
        #deprecated
        pub fn #method_ident(&self, #(#args),*) -> #builder<'a> {
            #builder(#call)
        }
    };
    let retry = (op.method == HttpMethod::Post).then(|| {
        quote! {
            /// Allows retrying this `POST` on 429, 502, 503, 504 and connection errors: only
            /// for calls you know are safe to repeat.
            pub fn allow_retry(self) -> Self {
                Self(self.0.allow_retry())
            }
        }
    });
    // A paged list is collected page by page, each decoded straight into its items.
    let collect = if matches!(
        (&op.response, op.paginated),
        (crate::model::TypeRef::Array(_), true)
    ) {
        quote!(self.0.all_pages())
    } else {
        quote!(self.0.into_future())
    };
    let streams = match (&op.response, op.paginated) {
        (crate::model::TypeRef::Array(item), true) => {
            let item = rust_type(item, plan);
            Some(quote! {
                /// The items of every page, as they arrive.
                pub fn stream(self) -> crate::ItemStream<'a, #item> {
                    self.0.stream()
                }

                /// Page after page, following `X-Pagination-Cursor-Next`.
                pub fn pages(self) -> crate::PageStream<'a, #item> {
                    self.0.pages()
                }
            })
        }
        _ => None,
    };
    let expanded = listing.map(|(c, fields)| expanded_listing(c, fields, plan));
    let builder_item = quote! {
        #builder_doc
        #[must_use = "a request does nothing until it is awaited"]
        pub struct #builder<'a>(crate::Call<'a, #response>);

        impl<'a> #builder<'a> {
            #(#setters)*
            #retry
            #streams
            #expanded

            /// The underlying call: its [`Request`](crate::Request), `text()` for the raw
            /// body, and the runtime's other options.
            pub fn into_call(self) -> crate::Call<'a, #response> {
                self.0
            }
        }

        impl<'a> std::future::IntoFuture for #builder<'a> {
            type Output = crate::Result<#response>;
            type IntoFuture = crate::CallFuture<'a, #response>;

            fn into_future(self) -> Self::IntoFuture {
                #collect
            }
        }
    };
    (method, builder_item)
}

/// `.expanded()` on a collection's request: its items in pages instead of ids.
fn expanded_listing(c: &Collection<'_>, fields: &str, plan: &Plan) -> TokenStream {
    let item = rust_type(&c.item.response, plan);
    let fields = format_ident!("{}", fields);
    let template = Literal::string(&c.item.path);
    let doc = docs::attrs(&[
        vec![format!(
            "The items themselves (`GET {}` of each) instead of their ids, in pages: one call per page instead of one per item (`X-Pagination-Mode: CachedObjectList-Pages`).",
            c.item.path
        )],
        vec![format!(
            "Filter and sort on [`fields::{fields}`]; `.await` it for every item, or `stream()`, `pages()`, `page(n)`. Where the endpoint answers ids, each item is fetched instead."
        )],
    ]);
    quote! {
        #doc
        pub fn expanded(self) -> crate::Expanded<'a, #item, fields::#fields> {
            crate::Expanded::new(self.0, #template)
        }
    }
}

/// An operation's parameters as its method takes them: the required ones as arguments, in path
/// order then by kind (path, query, header, body field); the optional ones as setters, by kind
/// then name.
pub fn parameters(op: &Operation) -> (Vec<&Param>, Vec<&Param>) {
    let order = |p: &Param| match p.location {
        ParamLocation::Path => 0,
        ParamLocation::Query => 1,
        ParamLocation::Header => 2,
        ParamLocation::BodyField => 3,
    };
    let path_order: Vec<String> = crate::model::path_variables(&op.path);
    let mut required: Vec<&Param> = op.params.iter().filter(|p| p.required).collect();
    required.sort_by_key(|p| {
        (
            order(p),
            path_order.iter().position(|v| v == &p.name).unwrap_or(0),
            p.name.clone(),
        )
    });
    let mut optional: Vec<&Param> = op.params.iter().filter(|p| !p.required).collect();
    optional.sort_by_key(|p| (order(p), p.name.clone()));
    (required, optional)
}

fn location_name(location: &ParamLocation) -> &'static str {
    match location {
        ParamLocation::Path => "path",
        ParamLocation::Query => "query",
        ParamLocation::Header => "header",
        ParamLocation::BodyField => "body",
    }
}

/// One line of the "Arguments" list, for arguments the schema describes.
fn param_doc(arg: &str, p: &Param) -> Option<String> {
    let description = p.description.as_deref().map(|d| docs::lines(d).join(" "))?;
    let wire = if snake(&p.name) == arg && p.location == ParamLocation::Path {
        String::new()
    } else {
        format!(" ({} {})", location_name(&p.location), docs::code(&p.name))
    };
    Some(format!("- `{arg}`{wire}: {description}"))
}

fn stability_text(s: Stability) -> &'static str {
    match s {
        Stability::Production => "production",
        Stability::Beta => "beta",
        Stability::Alpha => "alpha",
        Stability::Deprecated => "deprecated",
    }
}

fn operation_doc(api: &Api, op: &Operation, arg_docs: &[String]) -> TokenStream {
    let summary = op
        .description
        .as_deref()
        .or(op.path_description.as_deref())
        .map(docs::lines)
        .unwrap_or_default();
    let long = op
        .long_description
        .as_deref()
        .map(docs::lines)
        .unwrap_or_default();
    let mut facts = vec![format!(
        "`{} {}` ({}{})",
        op.method.as_str(),
        display_path(api, &op.path),
        stability_text(op.status.stability),
        if op.authenticated {
            ""
        } else {
            ", no authentication"
        }
    )];
    if let Some(id) = &op.operation_id {
        facts[0].push_str(&format!(", operation {}", docs::code(id)));
    }
    let mut iam = Vec::new();
    for action in &op.iam_actions {
        let mut line = format!("- {}", docs::code(&action.name));
        if !action.required {
            line.push_str(" (optional)");
        }
        if let Some(d) = &action.description {
            line.push_str(&format!(": {}", docs::lines(d).join(" ")));
        }
        iam.push(line);
    }
    if !iam.is_empty() {
        iam.insert(0, "IAM actions:".to_owned());
    }
    let mut errors: Vec<String> = op
        .errors
        .iter()
        .map(|e| format!("- {}", docs::code(e)))
        .collect();
    if !errors.is_empty() {
        errors.insert(0, "Errors the API documents:".to_owned());
    }
    let mut args = arg_docs.to_vec();
    if !args.is_empty() {
        args.insert(0, "Arguments:".to_owned());
    }
    let mut paging = Vec::new();
    if op.paginated {
        paging.push(
            "Follows `X-Pagination-Cursor-Next` and returns the items of every page.".to_owned(),
        );
    }
    docs::attrs(&[summary, long, facts, args, paging, iam, errors])
}

fn deprecation(op: &Operation) -> TokenStream {
    if op.status.stability != Stability::Deprecated {
        return quote!();
    }
    let mut note = String::from("deprecated by OVHcloud");
    if let Some(since) = &op.status.deprecated_since {
        note.push_str(&format!(" since {since}"));
    }
    if let Some(deletion) = &op.status.deletion_date {
        note.push_str(&format!(", removal planned on {deletion}"));
    }
    if let Some(replacement) = &op.status.replacement {
        note.push_str(&format!("; use {replacement} instead"));
    }
    quote!(#[deprecated(note = #note)])
}
