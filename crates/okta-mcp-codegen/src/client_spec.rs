//! The spec progenitor is given: every operation, with raw bodies.
//!
//! Request bodies become "any JSON" (`serde_json::Value`) and responses a raw
//! byte stream. Typed body structs lose fields on real Okta responses and
//! reject enum values the spec does not list; raw bodies pass through
//! exactly, and the runtime reads each response with a size cap. Path, query
//! and header parameters keep their schemas, so they stay typed.

use std::collections::BTreeSet;

use serde_json::{Map, Value, json};

use crate::CodegenError;
use crate::apis::Api;
use crate::operations::{BodyKind, Operation, ParamLocation};

/// Builds one progenitor input for the operations of every spec. Paths of
/// different specs do not overlap (Governance lives under `/governance/`),
/// and each spec adds the component schemas its parameters reach; a schema
/// name two specs define differently fails the build, naming both.
pub fn client_spec(apis: &[Api]) -> Result<Value, CodegenError> {
    let mut paths = Map::new();
    let mut schemas: Map<String, Value> = Map::new();
    let mut schema_owner: std::collections::HashMap<String, String> = Default::default();
    for api in apis {
        let roots = add_paths(&mut paths, &api.ops)?;
        for (name, schema) in reachable_schemas(&api.spec, &roots) {
            match schemas.get(&name) {
                Some(existing) if *existing != schema => {
                    return Err(CodegenError::Spec {
                        message: format!(
                            "component schema `{name}` differs between the {} and {} specs, and the client needs both",
                            schema_owner[&name], api.name
                        ),
                    });
                }
                Some(_) => {}
                None => {
                    schema_owner.insert(name.clone(), api.name.clone());
                    schemas.insert(name, schema);
                }
            }
        }
    }
    let first = &apis[0].spec;
    Ok(json!({
        "openapi": "3.0.3",
        "info": {
            "title": first.pointer("/info/title").cloned().unwrap_or(json!("Okta")),
            "version": apis.iter().map(|a| format!("{} {}", a.name, a.version)).collect::<Vec<_>>().join(", "),
        },
        "paths": paths,
        "components": {"schemas": schemas},
    }))
}

/// Adds `ops` to `paths`; returns the parameter schemas (the roots of the
/// component schemas the client needs).
fn add_paths(
    paths: &mut Map<String, Value>,
    ops: &[Operation],
) -> Result<Vec<Value>, CodegenError> {
    let mut roots = Vec::new();
    for op in ops {
        let params: Vec<Value> = op
            .params
            .iter()
            .map(|p| {
                roots.push(p.schema.clone());
                json!({
                    "name": p.name,
                    "in": p.location.as_str(),
                    "required": p.required || p.location == ParamLocation::Path,
                    "schema": p.schema,
                })
            })
            .collect();
        let mut operation = json!({
            "operationId": op.id,
            "parameters": params,
            "responses": {"2XX": {"description": "raw", "content": {"*/*": {}}}},
        });
        if let Some(body) = &op.body {
            let content = match body.kind {
                BodyKind::Json => json!({"application/json": {"schema": {}}}),
                BodyKind::Text => json!({"text/plain": {"schema": {"type": "string"}}}),
                BodyKind::Multipart => json!({"application/octet-stream": {
                    "schema": {"type": "string", "format": "binary"}}}),
            };
            operation["requestBody"] = json!({"required": true, "content": content});
        }
        let replaced = paths
            .entry(op.path.clone())
            .or_insert_with(|| json!({}))
            .as_object_mut()
            .expect("path items are objects")
            .insert(op.method.to_lowercase(), operation);
        if let Some(other) = replaced {
            return Err(CodegenError::Spec {
                message: format!(
                    "{} {} is defined by two specs ({} and the {} spec's {})",
                    op.method, op.path, other["operationId"], op.api, op.spec_id
                ),
            });
        }
    }
    Ok(roots)
}

/// The component schemas that parameter schemas reach, transitively; the
/// thousand-odd body schemas are not needed by a raw-body client.
fn reachable_schemas(spec: &Value, roots: &[Value]) -> Map<String, Value> {
    let all = spec
        .pointer("/components/schemas")
        .and_then(Value::as_object);
    let mut names = BTreeSet::new();
    let mut stack: Vec<Value> = roots.to_vec();
    while let Some(v) = stack.pop() {
        let mut refs = Vec::new();
        collect_schema_refs(&v, &mut refs);
        for name in refs {
            if names.insert(name.clone())
                && let Some(target) = all.and_then(|a| a.get(&name))
            {
                stack.push(target.clone());
            }
        }
    }
    names
        .into_iter()
        .filter_map(|n| all.and_then(|a| a.get(&n)).map(|s| (n, s.clone())))
        .collect()
}

pub fn collect_schema_refs(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            if let Some(name) = m
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix("#/components/schemas/"))
            {
                out.push(name.to_owned());
            }
            m.values().for_each(|x| collect_schema_refs(x, out));
        }
        Value::Array(a) => a.iter().for_each(|x| collect_schema_refs(x, out)),
        _ => {}
    }
}
