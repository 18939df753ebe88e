//! Tool input schemas, built straight from the spec and kept small.
//!
//! Path, query and header parameters become top-level properties; the JSON
//! body goes under `body`. Every `$ref` is inlined (a recursive one becomes
//! an open object), so no client meets a dangling reference. Descriptions
//! keep their first paragraph without links or markup, read-only fields leave
//! bodies, and `nullable` becomes a type array. Bodies that are unions of
//! many variants (applications, policies, ...) get a shallow schema: the base
//! object's top-level properties and the discriminator's values.

use serde_json::{Map, Value, json};

use crate::operations::{Body, BodyKind, Operation, resolve_ref};

/// Bodies whose schema would be larger than this become shallow.
pub const MAX_BODY_SCHEMA_BYTES: usize = 12_000;
/// A discriminator with at least this many variants makes a body shallow.
pub const SHALLOW_DISCRIMINATOR_VARIANTS: usize = 4;
/// Longest description kept for a property.
const MAX_PROPERTY_DESCRIPTION: usize = 240;

/// Arguments the runtime adds to tools, which no spec parameter may reuse.
pub const RESERVED_ARGS: [&str; 5] = ["body", "confirm", "fetch_all", "max_pages", "fields"];

/// Which runtime arguments a tool takes besides the spec's.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Extras {
    pub paged: bool,
    pub confirm: bool,
    pub projectable: bool,
}

/// The input schema of the tool for `op`.
pub fn input_schema(spec: &Value, op: &Operation, extras: Extras) -> Value {
    let mut properties = Map::new();
    let mut required = Vec::new();
    for p in &op.params {
        let mut schema = compact(spec, &p.schema, &mut Vec::new(), false);
        if let Value::Object(m) = &mut schema {
            let d = short_description(&p.description, MAX_PROPERTY_DESCRIPTION);
            if !d.is_empty() {
                m.insert("description".into(), Value::String(d));
            }
        }
        if p.required {
            required.push(Value::String(p.name.clone()));
        }
        properties.insert(p.name.clone(), schema);
    }
    if let Some(body) = &op.body {
        properties.insert("body".into(), body_schema(spec, body));
        if body.required && body.kind != BodyKind::Multipart {
            required.push("body".into());
        }
    }
    if extras.paged {
        properties.insert(
            "fetch_all".into(),
            json!({"type": "boolean", "description": "Read every page, up to max_pages."}),
        );
        properties.insert(
            "max_pages".into(),
            json!({"type": "integer", "minimum": 1, "maximum": 1000, "description": "Most pages fetch_all reads (default 10)."}),
        );
    }
    if extras.projectable {
        properties.insert(
            "fields".into(),
            json!({"type": "string", "description": "Fields to keep, e.g. id,profile.login"}),
        );
    }
    if extras.confirm {
        properties.insert(
            "confirm".into(),
            json!({"type": "boolean", "description": "Set once the person approved."}),
        );
    }
    let mut schema = json!({"type": "object", "properties": properties});
    if !required.is_empty() {
        schema["required"] = Value::Array(required);
    }
    schema["additionalProperties"] = Value::Bool(false);
    schema
}

fn body_schema(spec: &Value, body: &Body) -> Value {
    let description = short_description(&body.description, MAX_PROPERTY_DESCRIPTION);
    let mut schema = match body.kind {
        BodyKind::Multipart => json!({
            "type": "object",
            "properties": {
                "file_path": {"type": "string", "description": "Local path of the file to upload."},
                "content_base64": {"type": "string", "description": "The file's bytes in base64, instead of file_path."},
                "filename": {"type": "string", "description": "File name sent to Okta (default: from file_path)."},
                "content_type": {"type": "string", "description": "Media type of the file (default: from its extension)."}
            },
            "additionalProperties": false
        }),
        BodyKind::Text => json!({"type": "string"}),
        BodyKind::Json => {
            let full = compact(spec, &body.schema, &mut Vec::new(), true);
            let too_big =
                serde_json::to_string(&full).map(|s| s.len()).unwrap_or(0) > MAX_BODY_SCHEMA_BYTES;
            if too_big
                || discriminator_variants(spec, &body.schema) >= SHALLOW_DISCRIMINATOR_VARIANTS
            {
                shallow(spec, &body.schema)
            } else {
                full
            }
        }
    };
    // A JSON body with properties is an object even when the spec forgot
    // `type` (addGroup): without it any string or number passes validation
    // and is sent to Okta.
    if let Value::Object(m) = &mut schema
        && m.contains_key("properties")
        && !m.contains_key("type")
    {
        m.insert("type".into(), "object".into());
    }
    if !description.is_empty()
        && let Value::Object(m) = &mut schema
    {
        m.insert("description".into(), Value::String(description));
    }
    schema
}

fn discriminator_variants(spec: &Value, schema: &Value) -> usize {
    let Ok(s) = resolve_ref(spec, schema) else {
        return 0;
    };
    s.pointer("/discriminator/mapping")
        .and_then(Value::as_object)
        .map(Map::len)
        .unwrap_or(0)
}

/// The shallow form of a large or polymorphic body: top-level properties
/// with nested objects left open, the discriminator as an enum, and any
/// further property allowed.
pub fn shallow(spec: &Value, schema: &Value) -> Value {
    let resolved = resolve_ref(spec, schema).unwrap_or(schema);
    let mut properties = Map::new();
    let mut required = Vec::new();
    collect_top_properties(spec, resolved, &mut properties, &mut required, 0);
    let discriminator = resolved.get("discriminator");
    let name = discriminator
        .and_then(|d| d.get("propertyName"))
        .and_then(Value::as_str);
    let mapping = discriminator
        .and_then(|d| d.get("mapping"))
        .and_then(Value::as_object);
    if let (Some(name), Some(mapping)) = (name, mapping) {
        let values: Vec<Value> = mapping.keys().cloned().map(Value::String).collect();
        let entry = properties
            .entry(name.to_owned())
            .or_insert_with(|| json!({"type": "string"}));
        entry["enum"] = Value::Array(values);
    }
    let mut out = json!({"type": "object", "properties": properties, "additionalProperties": true});
    if !required.is_empty() {
        out["required"] = Value::Array(required);
    }
    out
}

fn collect_top_properties(
    spec: &Value,
    schema: &Value,
    properties: &mut Map<String, Value>,
    required: &mut Vec<Value>,
    depth: usize,
) {
    if depth > 8 {
        return;
    }
    let schema = resolve_ref(spec, schema).unwrap_or(schema);
    for part in schema
        .get("allOf")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        collect_top_properties(spec, part, properties, required, depth + 1);
    }
    if let Some(props) = schema.get("properties").and_then(Value::as_object) {
        for (name, prop) in props {
            let prop = resolve_ref(spec, prop).unwrap_or(prop);
            if is_read_only(prop) {
                continue;
            }
            let mut p = Map::new();
            if let Some(t) = prop.get("type") {
                p.insert("type".into(), t.clone());
            } else if prop.get("properties").is_some() || prop.get("allOf").is_some() {
                p.insert("type".into(), "object".into());
            }
            if let Some(e) = prop.get("enum") {
                p.insert("enum".into(), e.clone());
            }
            let d = short_description(
                prop.get("description")
                    .and_then(Value::as_str)
                    .unwrap_or(""),
                MAX_PROPERTY_DESCRIPTION,
            );
            if !d.is_empty() {
                p.insert("description".into(), d.into());
            }
            properties.insert(name.clone(), Value::Object(p));
        }
    }
    for r in schema
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if properties.contains_key(r.as_str().unwrap_or("")) && !required.contains(r) {
            required.push(r.clone());
        }
    }
}

fn is_read_only(schema: &Value) -> bool {
    schema.get("readOnly").and_then(Value::as_bool) == Some(true)
}

/// The keywords a tool schema keeps; everything else (xml, externalDocs,
/// discriminator, vendor extensions, examples) is documentation for humans.
const KEPT_KEYWORDS: [&str; 22] = [
    "type",
    "format",
    "enum",
    "default",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "minLength",
    "maxLength",
    "pattern",
    "minItems",
    "maxItems",
    "uniqueItems",
    "items",
    "properties",
    "required",
    "additionalProperties",
    "allOf",
    "oneOf",
    "anyOf",
    "description",
];

/// Inlines `$ref`s, drops read-only properties (in bodies), turns
/// `nullable` into a type array and keeps only [`KEPT_KEYWORDS`]. A `$ref`
/// already being inlined higher up becomes an open object.
pub fn compact(spec: &Value, schema: &Value, stack: &mut Vec<String>, in_body: bool) -> Value {
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        if stack.iter().any(|s| s == r) || stack.len() > 24 {
            return json!({"type": "object"});
        }
        let Ok(target) = resolve_ref(spec, schema) else {
            return json!({});
        };
        stack.push(r.to_owned());
        let mut out = compact(spec, target, stack, in_body);
        stack.pop();
        // Sibling keywords of a $ref (description, nullable) describe the use site.
        if let (Value::Object(o), Some(d)) =
            (&mut out, schema.get("description").and_then(Value::as_str))
        {
            let d = short_description(d, MAX_PROPERTY_DESCRIPTION);
            if !d.is_empty() {
                o.insert("description".into(), d.into());
            }
        }
        return out;
    }
    let Value::Object(src) = schema else {
        return schema.clone();
    };
    let mut out = Map::new();
    for key in KEPT_KEYWORDS {
        let Some(v) = src.get(key) else { continue };
        let v = match key {
            "items" => compact(spec, v, stack, in_body),
            "additionalProperties" if v.is_object() => compact(spec, v, stack, in_body),
            "allOf" | "oneOf" | "anyOf" => Value::Array(
                v.as_array()
                    .into_iter()
                    .flatten()
                    .map(|s| compact(spec, s, stack, in_body))
                    .collect(),
            ),
            "properties" => {
                let mut props = Map::new();
                for (name, p) in v.as_object().into_iter().flatten() {
                    let resolved = resolve_ref(spec, p).unwrap_or(p);
                    if in_body && (is_read_only(p) || is_read_only(resolved)) {
                        continue;
                    }
                    props.insert(name.clone(), compact(spec, p, stack, in_body));
                }
                Value::Object(props)
            }
            "description" => {
                let d = short_description(v.as_str().unwrap_or(""), MAX_PROPERTY_DESCRIPTION);
                if d.is_empty() {
                    continue;
                }
                Value::String(d)
            }
            _ => v.clone(),
        };
        out.insert(key.to_owned(), v);
    }
    if let (Some(Value::Array(req)), Some(Value::Object(props))) =
        (out.get("required"), out.get("properties"))
    {
        let kept: Vec<Value> = req
            .iter()
            .filter(|r| props.contains_key(r.as_str().unwrap_or("")))
            .cloned()
            .collect();
        if kept.is_empty() {
            out.remove("required");
        } else {
            out.insert("required".into(), Value::Array(kept));
        }
    }
    if src.get("nullable").and_then(Value::as_bool) == Some(true)
        && let Some(Value::String(t)) = out.get("type").cloned()
    {
        out.insert("type".into(), json!([t, "null"]));
    }
    Value::Object(out)
}

/// The first paragraph of a description, without markdown links, HTML tags
/// or emphasis markers, cut to its first sentence when longer than `max`.
pub fn short_description(text: &str, max: usize) -> String {
    let para = text
        .split("\n\n")
        .map(str::trim)
        .find(|p| !p.is_empty() && !p.starts_with('>') && !p.starts_with('<'))
        .unwrap_or("");
    let mut s = strip_markup(para).replace('\n', " ");
    while s.contains("  ") {
        s = s.replace("  ", " ");
    }
    let s = s.trim().to_owned();
    if s.chars().count() <= max {
        return s;
    }
    if let Some(end) = s.find(". ").filter(|&i| i < max) {
        return s[..=end].to_owned();
    }
    let cut: String = s.chars().take(max).collect();
    match cut.rfind(' ') {
        Some(i) => format!("{}…", &cut[..i]),
        None => cut,
    }
}

/// `[text](url)` becomes `text`; `<tags>` and `**`/`` ` `` markers go.
pub fn strip_markup(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '[' => {
                if let Some(close) = chars[i..].iter().position(|&c| c == ']').map(|p| p + i)
                    && chars.get(close + 1) == Some(&'(')
                    && let Some(end) = chars[close..]
                        .iter()
                        .position(|&c| c == ')')
                        .map(|p| p + close)
                {
                    out.extend(&chars[i + 1..close]);
                    i = end + 1;
                    continue;
                }
                out.push('[');
            }
            '<' => {
                if let Some(end) = chars[i..].iter().position(|&c| c == '>').map(|p| p + i) {
                    let inner: String = chars[i + 1..end].iter().collect();
                    if inner.starts_with('/')
                        || inner.chars().next().is_some_and(char::is_alphabetic)
                    {
                        i = end + 1;
                        continue;
                    }
                }
                out.push('<');
            }
            '*' => {}
            c => out.push(c),
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::operations::read_operations;

    fn spec() -> Value {
        json!({
            "paths": {"/api/v1/things/{id}": {"put": {
                "operationId": "replaceThing",
                "parameters": [{"name": "id", "in": "path", "required": true,
                                "description": "The thing's id. See [docs](https://x.test/docs) for **more**.\n\nSecond paragraph.",
                                "schema": {"type": "string"}}],
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}},
                "responses": {"200": {}}
            }}},
            "components": {"schemas": {
                "Thing": {"type": "object", "required": ["id", "name"], "properties": {
                    "id": {"type": "string", "readOnly": true},
                    "name": {"type": "string", "nullable": true, "xml": {"name": "n"}},
                    "parent": {"$ref": "#/components/schemas/Thing"},
                    "_links": {"$ref": "#/components/schemas/Links"}
                }},
                "Links": {"type": "object", "readOnly": true}
            }}
        })
    }

    #[test]
    fn parameters_and_body_become_one_closed_object() {
        let s = spec();
        let (ops, _) = read_operations(&s).unwrap();
        let schema = input_schema(&s, &ops[0], Extras::default());
        assert_eq!(schema["type"], "object");
        assert_eq!(schema["required"], json!(["id", "body"]));
        assert_eq!(schema["additionalProperties"], false);
        assert_eq!(
            schema["properties"]["id"]["description"],
            "The thing's id. See docs for more."
        );
        let body = &schema["properties"]["body"];
        assert!(body["properties"].get("id").is_none(), "readOnly dropped");
        assert!(
            body["properties"].get("_links").is_none(),
            "readOnly ref dropped"
        );
        assert_eq!(body["required"], json!(["name"]));
        assert_eq!(
            body["properties"]["name"]["type"],
            json!(["string", "null"])
        );
        assert!(body["properties"]["name"].get("xml").is_none());
        assert_eq!(
            body["properties"]["parent"],
            json!({"type": "object"}),
            "recursion stops"
        );
        assert!(!serde_json::to_string(&schema).unwrap().contains("$ref"));
    }

    #[test]
    fn polymorphic_bodies_are_shallow() {
        let s = json!({"components": {"schemas": {"App": {
            "type": "object",
            "discriminator": {"propertyName": "signOnMode", "mapping": {
                "A": "#/x", "B": "#/x", "C": "#/x", "D": "#/x"}},
            "properties": {"label": {"type": "string"}, "settings": {"type": "object", "properties": {"x": {"type": "string"}}},
                           "signOnMode": {"type": "string"}, "id": {"type": "string", "readOnly": true}}
        }}}});
        let out = shallow(&s, &json!({"$ref": "#/components/schemas/App"}));
        assert_eq!(out["additionalProperties"], true);
        assert_eq!(
            out["properties"]["signOnMode"]["enum"],
            json!(["A", "B", "C", "D"])
        );
        assert_eq!(out["properties"]["settings"], json!({"type": "object"}));
        assert!(out["properties"].get("id").is_none());
    }

    #[test]
    fn descriptions_are_first_paragraph_without_markup() {
        assert_eq!(
            short_description(
                "Lists <x-lifecycle class=\"ea\"></x-lifecycle> users in `org`.\n\nMore.",
                200
            ),
            "Lists users in `org`."
        );
        assert_eq!(short_description("One. Two three four.", 8), "One.");
    }
}
