//! The operations of the spec, read once into a plain model.
//!
//! Everything downstream (client spec, tool table, reports, diffs) works on
//! this model rather than on raw YAML, so `$ref`-chasing and the rules for
//! reading scopes, parameters and bodies live in one place.

use serde_json::{Map, Value};

use crate::CodegenError;

pub const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum ParamLocation {
    Path,
    Query,
    Header,
}

impl ParamLocation {
    pub fn as_str(&self) -> &'static str {
        match self {
            ParamLocation::Path => "path",
            ParamLocation::Query => "query",
            ParamLocation::Header => "header",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Param {
    pub name: String,
    pub location: ParamLocation,
    pub required: bool,
    pub description: String,
    /// The parameter's schema, possibly a `$ref` into `components/schemas`.
    pub schema: Value,
}

/// How a request body travels, which decides how a tool takes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyKind {
    /// `application/json` or any `+json` type: the tool's `body` is JSON.
    Json,
    /// A textual type (PEM, JWT, plain text): the tool's `body` is a string.
    Text,
    /// `multipart/form-data` file upload: the tool takes a local file path.
    Multipart,
}

#[derive(Debug, Clone)]
pub struct Body {
    pub kind: BodyKind,
    /// The media type sent on the wire (e.g. `application/merge-patch+json`).
    pub media_type: String,
    pub required: bool,
    pub description: String,
    /// The body schema, possibly a `$ref`.
    pub schema: Value,
}

#[derive(Debug, Clone)]
pub struct Operation {
    /// The key of the operation across every spec the build reads: its
    /// operationId, or, when another spec already uses that id, the id
    /// prefixed by its spec's name ([`crate::apis`]).
    pub id: String,
    /// The operationId as its spec writes it.
    pub spec_id: String,
    /// The name of the spec it comes from (`management`, `governance`), as
    /// `openapi/spec.lock` names it; empty until [`crate::apis`] sets it.
    pub api: String,
    /// Upper-case HTTP method.
    pub method: String,
    pub path: String,
    pub summary: String,
    pub description: String,
    pub tag: String,
    pub deprecated: bool,
    /// OAuth scopes the operation requires (all of them); empty when the spec
    /// declares none.
    pub scopes: Vec<String>,
    pub params: Vec<Param>,
    pub body: Option<Body>,
    /// Media types Okta answers with on success (empty for 204-only).
    pub success_media: Vec<String>,
}

impl Operation {
    pub fn param(&self, name: &str) -> Option<&Param> {
        self.params.iter().find(|p| p.name == name)
    }
}

/// Resolves a local `$ref` (`#/components/...`) to its target.
pub fn resolve_ref<'a>(spec: &'a Value, value: &'a Value) -> Result<&'a Value, CodegenError> {
    let mut current = value;
    for _ in 0..16 {
        let Some(r) = current.get("$ref").and_then(Value::as_str) else {
            return Ok(current);
        };
        let pointer = r.strip_prefix('#').ok_or_else(|| CodegenError::Spec {
            message: format!("non-local $ref {r} is not supported"),
        })?;
        current = spec.pointer(pointer).ok_or_else(|| CodegenError::Spec {
            message: format!("$ref {r} points at nothing"),
        })?;
    }
    Err(CodegenError::Spec {
        message: "a $ref chain is longer than 16 links".into(),
    })
}

/// An operation the generator cannot turn into a tool, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub operation_id: String,
    pub reason: String,
}

/// Reads every operation, in path order then method order. Operations that
/// cannot be expressed as a tool are returned apart, with their reason.
pub fn read_operations(spec: &Value) -> Result<(Vec<Operation>, Vec<Skipped>), CodegenError> {
    let Some(paths) = spec.get("paths").and_then(Value::as_object) else {
        return Err(CodegenError::Spec {
            message: "the spec has no `paths`".into(),
        });
    };
    let mut ops = Vec::new();
    let mut skipped = Vec::new();
    let mut seen = std::collections::HashMap::new();
    for (path, item) in paths {
        let item = resolve_ref(spec, item)?;
        let shared_params = item.get("parameters").and_then(Value::as_array);
        for method in METHODS {
            let Some(op) = item.get(method) else { continue };
            let op = match read_operation(spec, path, method, op, shared_params) {
                Ok(op) => op,
                Err(CodegenError::UnsupportedOperation {
                    operation_id,
                    reason,
                }) => {
                    skipped.push(Skipped {
                        operation_id,
                        reason,
                    });
                    continue;
                }
                Err(e) => return Err(e),
            };
            if let Some(other) = seen.insert(op.id.clone(), format!("{} {}", op.method, op.path)) {
                return Err(CodegenError::Spec {
                    message: format!(
                        "operationId {} is used twice ({other} and {} {})",
                        op.id, op.method, op.path
                    ),
                });
            }
            ops.push(op);
        }
    }
    Ok((ops, skipped))
}

fn read_operation(
    spec: &Value,
    path: &str,
    method: &str,
    op: &Value,
    shared_params: Option<&Vec<Value>>,
) -> Result<Operation, CodegenError> {
    let id = op
        .get("operationId")
        .and_then(Value::as_str)
        .ok_or_else(|| CodegenError::Spec {
            message: format!("{} {path} has no operationId", method.to_uppercase()),
        })?
        .to_owned();
    let text = |k: &str| op.get(k).and_then(Value::as_str).unwrap_or("").to_owned();

    let mut params: Vec<Param> = Vec::new();
    let op_params = op.get("parameters").and_then(Value::as_array);
    for raw in shared_params
        .into_iter()
        .flatten()
        .chain(op_params.into_iter().flatten())
    {
        let p = resolve_ref(spec, raw)?;
        let location = match p.get("in").and_then(Value::as_str) {
            Some("path") => ParamLocation::Path,
            Some("query") => ParamLocation::Query,
            Some("header") => ParamLocation::Header,
            _ => continue,
        };
        let name = p
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned();
        let param = Param {
            required: location == ParamLocation::Path
                || p.get("required").and_then(Value::as_bool) == Some(true),
            description: p
                .get("description")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned(),
            schema: p
                .get("schema")
                .cloned()
                .unwrap_or_else(|| Value::Object(Map::new())),
            name,
            location,
        };
        // An operation-level parameter overrides a path-level one of the same name.
        if let Some(existing) = params
            .iter_mut()
            .find(|e| e.name == param.name && e.location == param.location)
        {
            *existing = param;
        } else {
            params.push(param);
        }
    }

    let oauth = oauth_schemes(spec);
    let mut scopes: Vec<String> = Vec::new();
    for requirement in op
        .get("security")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
    {
        for (scheme, listed) in requirement {
            if !oauth.iter().any(|o| o == scheme) {
                continue;
            }
            for s in listed
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
            {
                if !scopes.iter().any(|x| x == s) {
                    scopes.push(s.to_owned());
                }
            }
        }
    }

    let body = match op.get("requestBody") {
        Some(rb) => read_body(&id, resolve_ref(spec, rb)?)?,
        None => None,
    };

    let mut success_media = Vec::new();
    if let Some(responses) = op.get("responses").and_then(Value::as_object) {
        for (code, r) in responses {
            if !code.starts_with('2') {
                continue;
            }
            let r = resolve_ref(spec, r)?;
            if let Some(content) = r.get("content").and_then(Value::as_object) {
                success_media.extend(content.keys().cloned());
            }
        }
    }

    Ok(Operation {
        summary: text("summary"),
        description: text("description"),
        tag: op
            .get("tags")
            .and_then(Value::as_array)
            .and_then(|t| t.first())
            .and_then(Value::as_str)
            .unwrap_or("Untagged")
            .to_owned(),
        deprecated: op.get("deprecated").and_then(Value::as_bool) == Some(true),
        method: method.to_uppercase(),
        path: path.to_owned(),
        spec_id: id.clone(),
        api: String::new(),
        id,
        scopes,
        params,
        body,
        success_media,
    })
}

/// The security schemes whose entries are OAuth scopes: those the spec
/// declares with `type: oauth2` (Management calls its scheme `oauth2`,
/// Governance `OAuth2`). An API key scheme's entry (Governance's
/// `ApiKey: [admin]`) names no scope and is ignored. A spec that declares no
/// schemes at all is read by the conventional name `oauth2`.
pub fn oauth_schemes(spec: &Value) -> Vec<String> {
    match spec
        .pointer("/components/securitySchemes")
        .and_then(Value::as_object)
    {
        Some(schemes) => schemes
            .iter()
            .filter(|(_, s)| s.get("type").and_then(Value::as_str) == Some("oauth2"))
            .map(|(name, _)| name.clone())
            .collect(),
        None => vec!["oauth2".to_owned()],
    }
}

fn body_kind(media_type: &str) -> Option<BodyKind> {
    let base = media_type.split(';').next().unwrap_or("").trim();
    if base == "application/json" || base.ends_with("+json") {
        Some(BodyKind::Json)
    } else if base == "multipart/form-data" {
        Some(BodyKind::Multipart)
    } else if base.starts_with("text/")
        || base.ends_with("+jwt")
        || base == "application/jwt"
        || base == "application/x-pem-file"
    {
        Some(BodyKind::Text)
    } else {
        None
    }
}

/// Picks the one media type a tool will send: JSON first, then text, then
/// multipart. A body offered only in types none of these cover is an error
/// the build report names (the operation is then left out).
fn read_body(id: &str, rb: &Value) -> Result<Option<Body>, CodegenError> {
    let Some(content) = rb.get("content").and_then(Value::as_object) else {
        return Ok(None);
    };
    let mut best: Option<(BodyKind, &String, &Value)> = None;
    for (media_type, media) in content {
        let Some(kind) = body_kind(media_type) else {
            continue;
        };
        let rank = |k: BodyKind| match k {
            BodyKind::Json => 0,
            BodyKind::Text => 1,
            BodyKind::Multipart => 2,
        };
        if best.as_ref().is_none_or(|(k, _, _)| rank(kind) < rank(*k)) {
            best = Some((kind, media_type, media));
        }
    }
    let Some((kind, media_type, media)) = best else {
        return Err(CodegenError::UnsupportedOperation {
            operation_id: id.to_owned(),
            reason: format!(
                "request body media types {:?} are none of JSON, text or multipart",
                content.keys().collect::<Vec<_>>()
            ),
        });
    };
    Ok(Some(Body {
        kind,
        media_type: media_type.clone(),
        required: rb.get("required").and_then(Value::as_bool) == Some(true),
        description: rb
            .get("description")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned(),
        schema: media
            .get("schema")
            .cloned()
            .unwrap_or_else(|| Value::Object(Map::new())),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn spec() -> Value {
        json!({
            "paths": {"/api/v1/users/{id}": {
                "parameters": [{"$ref": "#/components/parameters/Id"}],
                "post": {
                    "operationId": "updateUser", "tags": ["User"], "summary": "Update a user",
                    "security": [{"apiToken": []}, {"oauth2": ["okta.users.manage"]}],
                    "parameters": [{"name": "strict", "in": "query", "schema": {"type": "boolean"}}],
                    "requestBody": {"required": true, "content": {
                        "application/xml": {}, "application/json": {"schema": {"$ref": "#/components/schemas/U"}}}},
                    "responses": {"200": {"content": {"application/json": {}}}}
                },
                "delete": {"operationId": "deleteUser", "responses": {"204": {}}}
            }},
            "components": {"parameters": {"Id": {"name": "id", "in": "path", "schema": {"type": "string"}}}}
        })
    }

    #[test]
    fn reads_params_scopes_and_body() {
        let (ops, skipped) = read_operations(&spec()).unwrap();
        assert!(skipped.is_empty());
        assert_eq!(ops.len(), 2);
        let u = &ops[0];
        assert_eq!((u.id.as_str(), u.method.as_str()), ("updateUser", "POST"));
        assert_eq!(u.scopes, vec!["okta.users.manage"]);
        assert_eq!(u.params.len(), 2);
        assert!(u.param("id").unwrap().required);
        let body = u.body.as_ref().unwrap();
        assert_eq!(
            (body.kind, body.media_type.as_str()),
            (BodyKind::Json, "application/json")
        );
        assert_eq!(u.success_media, vec!["application/json"]);
        assert!(ops[1].scopes.is_empty());
    }

    #[test]
    fn scopes_come_from_oauth2_schemes_only_whatever_their_name() {
        let spec = json!({
            "components": {"securitySchemes": {
                "OAuth2": {"type": "oauth2"}, "ApiKey": {"type": "apiKey"}}},
            "paths": {"/governance/api/v1/campaigns": {"get": {
                "operationId": "listCampaigns",
                "security": [{"OAuth2": ["okta.governance.accessCertifications.read"]},
                             {"ApiKey": ["admin"]}]}}}
        });
        let (ops, _) = read_operations(&spec).unwrap();
        assert_eq!(ops[0].scopes, ["okta.governance.accessCertifications.read"]);
        // Without declared schemes, only the conventional `oauth2` counts.
        let mut bare = spec.clone();
        bare.as_object_mut().unwrap().remove("components");
        assert!(read_operations(&bare).unwrap().0[0].scopes.is_empty());
    }

    #[test]
    fn duplicate_operation_ids_are_refused() {
        let mut s = spec();
        s["paths"]["/api/v1/users/{id}"]["delete"]["operationId"] = json!("updateUser");
        let err = read_operations(&s).unwrap_err().to_string();
        assert!(err.contains("updateUser"), "{err}");
    }
}
