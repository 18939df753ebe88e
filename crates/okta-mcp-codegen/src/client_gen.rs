//! Running progenitor, and generating the dispatch that calls its client.
//!
//! Dispatch is derived from the generated client itself: its method
//! signatures are parsed back with `syn`, so the argument types used in the
//! dispatch are exactly the ones progenitor chose (typed enums for query
//! parameters, `&str` for ids, `serde_json::Value` for bodies). A mismatch
//! between what the spec says and what progenitor emitted fails the build.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use serde_json::Value;

use crate::CodegenError;
use crate::naming::progenitor_ident;
use crate::operations::{BodyKind, Operation, ParamLocation};

/// The Rust type through which the runtime's hooks reach each call.
pub const INNER_TYPE: &str = "crate::Hooks";

/// Generates the progenitor client source for `client_spec`.
pub fn generate_client(client_spec: &Value) -> Result<syn::File, CodegenError> {
    let spec: openapiv3::OpenAPI =
        serde_json::from_value(client_spec.clone()).map_err(|e| CodegenError::Progenitor {
            message: format!("the derived client spec is not valid OpenAPI: {e}"),
        })?;
    let inner: TokenStream = INNER_TYPE.parse().expect("static path parses");
    let mut settings = progenitor::GenerationSettings::default();
    settings
        .with_interface(progenitor::InterfaceStyle::Positional)
        .with_tag(progenitor::TagStyle::Merged)
        .with_inner_type(inner)
        .with_hooks(progenitor::HooksMode::Expected);
    let mut generator = progenitor::Generator::new(&settings);
    let tokens = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        generator.generate_tokens(&spec)
    }))
    .map_err(|panic| CodegenError::Progenitor {
        message: format!(
            "progenitor panicked: {}",
            panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default()
        ),
    })?
    .map_err(|e| CodegenError::Progenitor {
        message: e.to_string(),
    })?;
    syn::parse2(tokens).map_err(|e| CodegenError::Progenitor {
        message: format!("progenitor's output does not parse: {e}"),
    })
}

/// One positional argument of a generated client method.
#[derive(Debug, Clone)]
pub struct MethodParam {
    pub ident: String,
    pub ty: syn::Type,
}

/// Reads the positional parameters of every `impl Client` method.
pub fn client_methods(file: &syn::File) -> std::collections::HashMap<String, Vec<MethodParam>> {
    let mut out = std::collections::HashMap::new();
    for item in &file.items {
        let syn::Item::Impl(imp) = item else { continue };
        let syn::Type::Path(tp) = imp.self_ty.as_ref() else {
            continue;
        };
        if imp.trait_.is_some() || !tp.path.is_ident("Client") {
            continue;
        }
        for it in &imp.items {
            let syn::ImplItem::Fn(f) = it else { continue };
            let params = f
                .sig
                .inputs
                .iter()
                .filter_map(|arg| match arg {
                    syn::FnArg::Typed(pt) => match pt.pat.as_ref() {
                        syn::Pat::Ident(pi) => Some(MethodParam {
                            ident: pi.ident.to_string(),
                            ty: (*pt.ty).clone(),
                        }),
                        _ => None,
                    },
                    syn::FnArg::Receiver(_) => None,
                })
                .collect();
            out.insert(f.sig.ident.to_string(), params);
        }
    }
    out
}

/// How a parameter is taken from the tool arguments and handed to the client.
enum Passing {
    /// `&'a str`: an owned `String`, passed by reference.
    StrRef,
    /// `&'a T`: an owned `T`, passed by reference.
    Ref(syn::Type),
    /// `Option<&'a str>`.
    OptStr,
    /// `Option<&'a T>`.
    OptRef(syn::Type),
    /// Anything taken by value (`i64`, `Option<bool>`, ...).
    Owned(syn::Type),
}

fn strip_lifetime_ref(ty: &syn::Type) -> Option<&syn::Type> {
    match ty {
        syn::Type::Reference(r) => Some(r.elem.as_ref()),
        _ => None,
    }
}

fn is_str(ty: &syn::Type) -> bool {
    matches!(ty, syn::Type::Path(p) if p.path.is_ident("str"))
}

fn option_inner(ty: &syn::Type) -> Option<&syn::Type> {
    let syn::Type::Path(p) = ty else { return None };
    let last = p.path.segments.last()?;
    if last.ident != "Option" {
        return None;
    }
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    match args.args.first()? {
        syn::GenericArgument::Type(t) => Some(t),
        _ => None,
    }
}

fn passing(ty: &syn::Type) -> Passing {
    if let Some(inner) = option_inner(ty) {
        return match strip_lifetime_ref(inner) {
            Some(t) if is_str(t) => Passing::OptStr,
            Some(t) => Passing::OptRef(t.clone()),
            None => Passing::Owned(ty.clone()),
        };
    }
    match strip_lifetime_ref(ty) {
        Some(t) if is_str(t) => Passing::StrRef,
        Some(t) => Passing::Ref(t.clone()),
        None => Passing::Owned(ty.clone()),
    }
}

/// The order progenitor gives positional parameters: path parameters as
/// they appear in the path, query parameters by name, headers by name.
pub fn expected_param_order(op: &Operation) -> Vec<&crate::operations::Param> {
    let mut path: Vec<_> = op
        .params
        .iter()
        .filter(|p| p.location == ParamLocation::Path)
        .collect();
    path.sort_by_key(|p| {
        op.path
            .find(&format!("{{{}}}", p.name))
            .unwrap_or(usize::MAX)
    });
    let mut query: Vec<_> = op
        .params
        .iter()
        .filter(|p| p.location == ParamLocation::Query)
        .collect();
    query.sort_by(|a, b| a.name.cmp(&b.name));
    let mut header: Vec<_> = op
        .params
        .iter()
        .filter(|p| p.location == ParamLocation::Header)
        .collect();
    header.sort_by(|a, b| a.name.cmp(&b.name));
    path.into_iter().chain(query).chain(header).collect()
}

/// Emits `dispatch`: one match arm per operation, turning the tool's JSON
/// arguments into a typed call of the generated client.
pub fn generate_dispatch(file: &syn::File, ops: &[Operation]) -> Result<TokenStream, CodegenError> {
    let methods = client_methods(file);
    let mut arms = Vec::new();
    let mut fns = Vec::new();
    for op in ops {
        let method_name = progenitor_ident(&op.id);
        let Some(params) = methods.get(&method_name) else {
            return Err(CodegenError::Progenitor {
                message: format!("progenitor emitted no method `{method_name}` for {}", op.id),
            });
        };
        let expected = expected_param_order(op);
        let has_body = op.body.is_some();
        if params.len() != expected.len() + usize::from(has_body) {
            return Err(CodegenError::Progenitor {
                message: format!(
                    "`{method_name}` takes {} arguments but the spec gives {} parameters{}",
                    params.len(),
                    expected.len(),
                    if has_body { " and a body" } else { "" }
                ),
            });
        }
        let mut lets = Vec::new();
        let mut call_args = Vec::new();
        for (i, (mp, sp)) in params.iter().zip(expected.iter()).enumerate() {
            let want = progenitor_ident(&sp.name);
            if mp.ident.trim_matches('_') != want.trim_matches('_') {
                return Err(CodegenError::Progenitor {
                    message: format!(
                        "`{method_name}` argument {i} is `{}`, expected `{want}` for spec parameter {}",
                        mp.ident, sp.name
                    ),
                });
            }
            let local = format_ident!("p{}", i);
            let api_name = &sp.name;
            let getter = if sp.required {
                quote!(args.required(#api_name)?)
            } else {
                quote!(args.optional(#api_name)?)
            };
            match passing(&mp.ty) {
                Passing::StrRef => {
                    lets.push(quote!(let #local: ::std::string::String = #getter;));
                    call_args.push(quote!(&#local));
                }
                Passing::Ref(t) => {
                    lets.push(quote!(let #local: #t = #getter;));
                    call_args.push(quote!(&#local));
                }
                Passing::OptStr => {
                    lets.push(
                        quote!(let #local: ::std::option::Option<::std::string::String> = #getter;),
                    );
                    call_args.push(quote!(#local.as_deref()));
                }
                Passing::OptRef(t) => {
                    lets.push(quote!(let #local: ::std::option::Option<#t> = #getter;));
                    call_args.push(quote!(#local.as_ref()));
                }
                Passing::Owned(t) => {
                    lets.push(quote!(let #local: #t = #getter;));
                    call_args.push(quote!(#local));
                }
            }
        }
        if let Some(body) = &op.body {
            let required = body.required;
            match body.kind {
                BodyKind::Json => {
                    lets.push(quote!(let body: ::serde_json::Value = args.json_body(#required)?;));
                    call_args.push(quote!(&body));
                }
                BodyKind::Text => {
                    lets.push(
                        quote!(let body: ::std::string::String = args.text_body(#required)?;),
                    );
                    call_args.push(quote!(body));
                }
                BodyKind::Multipart => {
                    lets.push(quote!(let body: ::std::vec::Vec<u8> = args.multipart_body()?;));
                    call_args.push(quote!(body));
                }
            }
        }
        let id = &op.id;
        let method = format_ident!("{}", method_name);
        let call_fn = format_ident!("call_{}", method_name.trim_start_matches('_'));
        // One small fn per operation that boxes its own future: a `match`
        // building hundreds of futures inline (even to box them) needs a stack
        // frame of megabytes in debug builds, over a tokio worker's 2 MiB.
        fns.push(quote! {
            fn #call_fn<'a>(
                client: &'a Client,
                args: &'a crate::Args<'a>,
            ) -> DispatchFuture<'a> {
                Box::pin(async move {
                    let _ = args;
                    #(#lets)*
                    Ok(client.#method(#(#call_args),*).await?)
                })
            }
        });
        arms.push(quote! {
            #id => #call_fn(client, args),
        });
    }
    Ok(quote! {
        #(#fns)*

        /// The future of one dispatched call.
        pub type DispatchFuture<'a> = ::std::pin::Pin<Box<dyn ::std::future::Future<
            Output = ::std::result::Result<ResponseValue<ByteStream>, crate::DispatchError>,
        > + Send + 'a>>;

        /// Calls the operation `operation_id` with the tool's arguments.
        pub fn dispatch<'a>(
            client: &'a Client,
            operation_id: &str,
            args: &'a crate::Args<'a>,
        ) -> DispatchFuture<'a> {
            match operation_id {
                #(#arms)*
                other => {
                    let other = other.to_owned();
                    Box::pin(async move { Err(crate::DispatchError::UnknownOperation(other)) })
                }
            }
        }
    })
}
