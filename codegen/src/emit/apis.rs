//! One accessor struct per API and one method per operation, calling the runtime's `Call`:
//! printed from the API's [`ApiPlan`], which decided every name, argument and type.
//!
//! The methods of operations and requests are `#[inline]`, for compile time rather than speed:
//! an inline function is compiled by the crates that call it, so the `ovhcloud` crate no longer
//! compiles the request encoding and response decoding of thousands of operations that a
//! program never calls (LLVM IR of `dedicated_server`: 559k lines before, 26k after).

use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};

use super::docs;
use super::types::{argument_type, path_tokens, rust_type};
use crate::model::{Api, Operation, Param, ParamLocation};
use crate::plan::{ApiPlan, FieldEnum, Listing, OperationPlan, ParamPlan, Type, TypeTable, Verb};
use crate::reader::{Branch, Stability};

/// The path as OVH's documentation shows it: `/me/bill` for v1, `/v2/iam/policy` for v2.
fn display_path(api: &Api, path: &str) -> String {
    match api.branch {
        Branch::V1 => path.to_owned(),
        Branch::V2 => format!("/v2{path}"),
    }
}

/// The module of one API: its accessor, one method and one request type per operation, and
/// the field enums of its expanded listings.
/// The top-level items of an API's file: the accessor with its methods, then the request types
/// and the field enums of its listings.
pub fn api(api: &Api, plan: &ApiPlan, types: &TypeTable) -> Vec<TokenStream> {
    if api.operations.is_empty() {
        // A models-only schema (`/products`): its models are under `crate::models`.
        return Vec::new();
    }
    let accessor = format_ident!("{}", plan.module);
    let ident = format_ident!("{}", plan.accessor_type);
    let branch = branch_tokens(api.branch);
    let title = format!(
        "Operations of the {} `{}` API.",
        super::branch_name(api.branch),
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
    let (methods, builders): (Vec<_>, Vec<_>) = api
        .operations
        .iter()
        .zip(&plan.operations)
        .map(|(op, planned)| {
            let method = method(api, op, planned, types);
            (method, request(op, planned, &ident, types))
        })
        .unzip();
    let markers = plan
        .operations
        .iter()
        .zip(&api.operations)
        .map(|(planned, op)| marker(api, op, planned, &ident, types));
    let fields = fields_module(&plan.field_enums, types);
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
            // `crate::Call` names its client; `self.client` reaches it through `Deref`.
            <crate::Call<'a, R>>::new(self.client, #branch, method, path) #pin
        }
    };
    let accessor = quote! {
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
    };
    let operations = quote! {
        /// The operations of this API as types: what each answers (see
        /// [`Operation`](crate::apis::Operation)); each request is a
        /// [`Pending`](crate::apis::Pending) of one of them.
        pub mod operations {
            #(#markers)*
        }
    };
    let mut items = vec![accessor];
    items.extend(builders);
    items.push(operations);
    items.push(fields);
    items
}

/// `crate::Branch::V1` or `crate::Branch::V2`.
pub fn branch_tokens(branch: Branch) -> TokenStream {
    match branch {
        Branch::V1 => quote!(crate::Branch::V1),
        Branch::V2 => quote!(crate::Branch::V2),
    }
}

/// `pub mod fields`: one enum per item model of the API's expanded listings.
fn fields_module(enums: &[FieldEnum], types: &TypeTable) -> TokenStream {
    if enums.is_empty() {
        return quote!();
    }
    let enums = enums.iter().map(|e| {
        let ident = format_ident!("{}", e.name);
        let variants: Vec<_> = e.variants.iter().map(|v| format_ident!("{}", v)).collect();
        let docs = e.keys.iter().map(|k| format!(" `{k}`"));
        let keys = e.keys.iter().map(|k| Literal::string(k));
        let path = types.path(e.model);
        let doc = format!(
            " Fields of [`{}`]({}) that expanded listings filter and sort on.",
            path.name,
            path_tokens(path).to_string().replace(' ', "")
        );
        let derives = super::models::derive_attr(&e.derives);
        quote! {
            #[doc = #doc]
            #derives
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

fn verb_tokens(verb: Verb) -> TokenStream {
    match verb {
        Verb::Get => quote!(crate::Method::Get),
        Verb::Post => quote!(crate::Method::Post),
        Verb::Put => quote!(crate::Method::Put),
        Verb::Delete => quote!(crate::Method::Delete),
        Verb::Patch => quote!(crate::Method::Patch),
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

/// The push of an argument or setter `value` named `name`: by reference when passed by value.
fn push_planned(op: &Operation, planned: &ParamPlan, value: &proc_macro2::Ident) -> TokenStream {
    let value = match planned.passing {
        crate::plan::Passing::ByValue => quote!(&#value),
        _ => quote!(#value),
    };
    push_param(&op.params[planned.param], value)
}

/// `pub fn get_bill(&self, bill_id: &str) -> GetBill<'a>`: builds the call from the arguments.
fn method(api: &Api, op: &Operation, plan: &OperationPlan, types: &TypeTable) -> TokenStream {
    let method_ident = format_ident!("{}", plan.method);
    let builder = format_ident!("{}", plan.request);
    let template = Literal::string(&op.path);
    let verb = verb_tokens(plan.verb);
    let mut args = Vec::new();
    let mut pushes = Vec::new();
    let mut arg_docs = Vec::new();
    // First: what the client fills in, so that path values given next skip its parameters.
    for planned in plan.setters.iter().filter(|s| s.defaulted) {
        let param = &op.params[planned.param];
        let name = Literal::string(&param.name);
        pushes.push(match param.location {
            ParamLocation::Path => quote!(.path_default(#name)),
            _ => {
                let required = param.required;
                quote!(.body_default(#name, #required))
            }
        });
    }
    for planned in &plan.arguments {
        let arg = format_ident!("{}", planned.name);
        let ty = argument_type(&planned.ty, planned.passing, types);
        args.push(quote!(#arg: #ty));
        pushes.push(push_planned(op, planned, &arg));
        arg_docs.extend(param_doc(planned, &op.params[planned.param]));
    }
    if let Some(body) = &plan.body {
        let arg = format_ident!("{}", body.name);
        let ty = rust_type(&body.ty, types);
        args.push(quote!(#arg: &#ty));
        pushes.push(quote!(.body(#arg)));
    }
    if !op.authenticated {
        pushes.push(quote!(.unauthenticated()));
    }
    if op.paginated {
        pushes.push(quote!(.paginated()));
    }
    if let Some(key) = plan.listing.as_ref().and_then(|l| l.id_key.as_deref()) {
        pushes.push(quote!(.ids_from(#key)));
    }
    let doc = operation_doc(api, op, &arg_docs);
    let deprecated = deprecation(op);
    let call = quote!(self.call(#verb, #template) #(#pushes)*);
    let checked = plan.checked.as_ref().map(|c| checked(op, plan, c, types));
    quote! {
        #doc
        #deprecated
        #[inline]
        pub fn #method_ident(&self, #(#args),*) -> #builder<'a> {
            crate::apis::Pending(#call)
        }
        #checked
    }
}

/// The request type an operation's method returns: setters for the optional parameters, then
/// `.await` (or `stream()`, `pages()`, `expanded()`). Every operation has one, even without
/// optional parameters today: a parameter OVH adds later becomes a setter on it, not a breaking
/// change of the method. It is an alias of `apis::Pending` for the operation's type in
/// `operations`, so that awaiting and `into_call` are written once: a struct and two impls per
/// operation were 70k of the whole snapshot's 805k lines, and a tenth of checking it.
fn request(
    op: &Operation,
    plan: &OperationPlan,
    api_ident: &proc_macro2::Ident,
    types: &TypeTable,
) -> TokenStream {
    let name = &plan.method;
    let builder = format_ident!("{}", plan.request);
    // Awaiting and `into_call` are documented on `Pending`, which rustdoc does not show here.
    let builder_doc = docs::attrs(&[vec![if plan.setters.is_empty() {
        format!(
            "Request for [`{api_ident}::{name}`]: `.await` it ([`Pending`](crate::apis::Pending))."
        )
    } else {
        format!("Request for [`{api_ident}::{name}`]: set optional parameters, then `.await` it ([`Pending`](crate::apis::Pending)).")
    }]]);
    let setters: Vec<_> = plan
        .setters
        .iter()
        .map(|planned| setter(op, planned, types))
        .collect();
    let retry = plan.retry_opt_in.then(|| {
        let first = format!(
            " Allows retrying this `{}` on 429, 502, 503, 504 and connection errors: only",
            op.method.as_str()
        );
        quote! {
            #[doc = #first]
            /// for calls you know are safe to repeat.
            pub fn allow_retry(self) -> Self {
                Self(self.0.allow_retry())
            }
        }
    });
    let streams = plan.page_item.as_ref().map(|item| {
        let item = rust_type(item, types);
        quote! {
            /// The items of every page, as they arrive.
            #[inline]
            pub fn stream(self) -> crate::ItemStream<'a, #item> {
                self.0.stream()
            }

            /// Page after page, following `X-Pagination-Cursor-Next`.
            #[inline]
            pub fn pages(self) -> crate::PageStream<'a, #item> {
                self.0.pages()
            }
        }
    });
    let numbered = plan.numbered_pages.as_ref().map(|pages| {
        let item = rust_type(&pages.item, types);
        let items = &pages.items;
        let stream_doc = format!(
            " The `{items}` of every page, as they arrive: pages 1, 2, … are asked until \
             `total_count` items were read (`page_size` sets their size)."
        );
        quote! {
            #[doc = #stream_doc]
            #[inline]
            pub fn stream(self) -> crate::ItemStream<'a, #item> {
                crate::paging::items(self.0, #items)
            }

            /// Every item of every page, collected.
            #[inline]
            pub fn all(self) -> crate::CallFuture<'a, Vec<#item>> {
                crate::paging::all(self.0, #items)
            }
        }
    });
    let expanded = plan.listing.as_ref().map(|l| expanded_listing(l, types));
    let waiter = plan
        .waiter
        .as_ref()
        .map(|w| waiter(w, &plan.response, types));
    let methods = (!setters.is_empty()
        || retry.is_some()
        || streams.is_some()
        || numbered.is_some()
        || waiter.is_some()
        || expanded.is_some())
    .then(|| {
        quote! {
            impl<'a> #builder<'a> {
                #(#setters)*
                #retry
                #streams
                #numbered
                #waiter
                #expanded
            }
        }
    });
    quote! {
        #builder_doc
        pub type #builder<'a> = crate::apis::Pending<'a, operations::#builder>;
        #methods
    }
}

/// The type standing for an operation in `operations`: what it answers, and (a paged list)
/// that awaiting its request collects every page.
fn marker(
    api: &Api,
    op: &Operation,
    plan: &OperationPlan,
    api_ident: &proc_macro2::Ident,
    types: &TypeTable,
) -> TokenStream {
    let ident = format_ident!("{}", plan.request);
    let verb = verb_tokens(plan.verb);
    let branch = branch_tokens(api.branch);
    let template = Literal::string(&op.path);
    let actions = op.iam_actions.iter().map(|a| Literal::string(&a.name));
    let response = rust_type(&plan.response, types);
    let doc = format!(
        " [`{api_ident}::{}`](super::{api_ident}::{})",
        plan.method, plan.method
    );
    // A paged list is collected page by page, each decoded straight into its items.
    let send = plan.page_item.as_ref().map(|_| {
        // Inline, as the operations' methods: compiled where it is awaited.
        quote! {
            #[inline]
            fn send(call: crate::Call<'_, Self::Response>) -> crate::CallFuture<'_, Self::Response> {
                call.all_pages()
            }
        }
    });
    quote! {
        #[doc = #doc]
        pub enum #ident {}

        impl crate::apis::Operation for #ident {
            type Response = #response;
            const ACCESS: &'static crate::Access =
                &crate::Access::new(#verb, #branch, #template, &[#(#actions),*]);
            #send
        }
    }
}

/// `…_checked`: the `PUT` as a read-modify-write with the resource's `checksum`, read again
/// after a concurrent change (`checksum::update`).
fn checked(
    op: &Operation,
    plan: &OperationPlan,
    checked: &crate::plan::CheckedPlan,
    types: &TypeTable,
) -> TokenStream {
    let method = format_ident!("{}", checked.method);
    let template = Literal::string(&op.path);
    let spec = rust_type(&checked.spec, types);
    let response = rust_type(&plan.response, types);
    let path_args: Vec<&ParamPlan> = plan
        .arguments
        .iter()
        .filter(|a| op.params[a.param].location == ParamLocation::Path)
        .collect();
    let args = path_args.iter().map(|a| {
        let ident = format_ident!("{}", a.name);
        let ty = argument_type(&a.ty, a.passing, types);
        quote!(#ident: #ty)
    });
    let pushes: Vec<TokenStream> = path_args
        .iter()
        .map(|a| push_planned(op, a, &format_ident!("{}", a.name)))
        .collect();
    let doc = format!(
        " `PUT {}`, safe against concurrent changes: reads the resource, lets `change` edit its target specification, and writes it back with the `checksum` it read. When someone changed it in between (409, 412), reads it again and calls `change` again, three times at most.",
        op.path
    );
    quote! {
        #[doc = #doc]
        pub async fn #method(&self, #(#args,)* change: impl FnMut(&mut #spec)) -> crate::Result<#response> {
            let read = self.call::<serde_json::Value>(crate::Method::Get, #template) #(#pushes)*;
            let write = |body: serde_json::Value| {
                self.call::<#response>(crate::Method::Put, #template) #(#pushes)* .body(&body)
            };
            crate::checksum::update(read, write, change).await
        }
    }
}

/// `wait_until_done` / `wait_until_ready`: the same request, sent again until the task or
/// resource it reads is finished.
fn waiter(plan: &crate::plan::WaiterPlan, response: &Type, types: &TypeTable) -> TokenStream {
    use crate::plan::WaitKind;
    let method = format_ident!("{}", plan.method);
    let response = rust_type(response, types);
    let field = format_ident!("{}", plan.field);
    let kind = match plan.kind {
        WaitKind::Task => quote!(crate::wait::Kind::Task),
        WaitKind::V2Task => quote!(crate::wait::Kind::V2Task),
        WaitKind::Resource => quote!(crate::wait::Kind::Resource),
    };
    let status = if plan.optional {
        quote!(|value: &#response| value.#field.as_ref().map_or("", |s| s.as_str()))
    } else {
        quote!(|value: &#response| value.#field.as_str())
    };
    let doc = match plan.kind {
        WaitKind::Resource => " Reads this resource again (growing intervals) until its `resourceStatus` is `READY`; [`Error::TaskFailed`](crate::Error::TaskFailed) on `ERROR`, [`Error::WaitTimeout`](crate::Error::WaitTimeout) after `options.timeout`.",
        _ => " Reads this task again (growing intervals) until it is done; [`Error::TaskFailed`](crate::Error::TaskFailed) on an error status, [`Error::WaitTimeout`](crate::Error::WaitTimeout) after `options.timeout`.",
    };
    quote! {
        #[doc = #doc]
        pub async fn #method(self, options: &crate::wait::WaitOptions) -> crate::Result<#response> {
            crate::wait::poll(self.into_call(), options, #kind, #status).await
        }
    }
}

/// One optional parameter's setter on a request.
fn setter(op: &Operation, planned: &ParamPlan, types: &TypeTable) -> TokenStream {
    let p = &op.params[planned.param];
    let setter = format_ident!("{}", planned.name);
    let ty = argument_type(&planned.ty, planned.passing, types);
    let push = match (planned.defaulted, &p.location) {
        (true, ParamLocation::Path) => {
            let name = Literal::string(&p.name);
            quote!(.path_named(#name, value))
        }
        _ => push_planned(op, planned, &format_ident!("value")),
    };
    let mut lines = p
        .description
        .as_deref()
        .map(docs::lines)
        .unwrap_or_default();
    lines.push(String::new());
    lines.push(if planned.defaulted {
        format!(
            "{} {} parameter {}: the client's default when not set.",
            if p.required { "Required" } else { "Optional" },
            location_name(&p.location),
            docs::code(&p.name)
        )
    } else {
        format!(
            "Optional {} parameter {}.",
            location_name(&p.location),
            docs::code(&p.name)
        )
    });
    let doc = docs::attrs(&[lines]);
    quote! {
        #doc
        #[inline]
        pub fn #setter(self, value: #ty) -> Self {
            Self(self.0 #push)
        }
    }
}

/// `.expanded()` on a collection's request: its items in pages instead of ids.
fn expanded_listing(listing: &Listing, types: &TypeTable) -> TokenStream {
    let item = rust_type(&listing.item, types);
    let fields = format_ident!("{}", listing.fields);
    let template = Literal::string(&listing.item_path);
    let doc = docs::attrs(&[
        vec![format!(
            "The items themselves (`GET {}` of each) instead of their ids, in pages: one call per page instead of one per item (`X-Pagination-Mode: CachedObjectList-Pages`).",
            listing.item_path
        )],
        vec![format!(
            "Filter and sort on [`fields::{}`]; `.await` it for every item, or `stream()`, `pages()`, `page(n)`. Where the endpoint answers ids, each item is fetched instead.",
            listing.fields
        )],
    ]);
    quote! {
        #doc
        #[inline]
        pub fn expanded(self) -> crate::Expanded<'a, #item, fields::#fields> {
            crate::Expanded::new(self.0, #template)
        }
    }
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
fn param_doc(arg: &ParamPlan, p: &Param) -> Option<String> {
    let description = p.description.as_deref().map(|d| docs::lines(d).join(" "))?;
    let wire = if !arg.renamed && p.location == ParamLocation::Path {
        String::new()
    } else {
        format!(" ({} {})", location_name(&p.location), docs::code(&p.name))
    };
    Some(format!("- `{}`{wire}: {description}", arg.name))
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
