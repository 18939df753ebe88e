//! The spec progenitor is given: every operation, with raw bodies.
//!
//! Request bodies become "any JSON" (`serde_json::Value`) and responses a raw
//! byte stream. Typed body structs lose fields on real Okta responses and
//! reject enum values the spec does not list; raw bodies pass through
//! exactly, and the runtime reads each response with a size cap. Path, query
//! and header parameters keep their schemas, so they stay typed.

use std::collections::BTreeSet;

use serde_json::{Map, Value, json};

use crate::operations::{BodyKind, Operation, ParamLocation};

/// Builds the progenitor input for `ops` from the (repaired) full spec.
pub fn client_spec(spec: &Value, ops: &[Operation]) -> Value {
    let mut paths = Map::new();
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
        paths
            .entry(op.path.clone())
            .or_insert_with(|| json!({}))
            .as_object_mut()
            .expect("path items are objects")
            .insert(op.method.to_lowercase(), operation);
    }
    json!({
        "openapi": "3.0.3",
        "info": {
            "title": spec.pointer("/info/title").cloned().unwrap_or(json!("Okta")),
            "version": spec.pointer("/info/version").cloned().unwrap_or(json!("0")),
        },
        "paths": paths,
        "components": {"schemas": reachable_schemas(spec, &roots)},
    })
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
