//! General repairs of defects in Okta's spec, applied before anything reads it.
//!
//! Each pass fixes a *kind* of defect wherever it occurs (never one JSON
//! pointer), so a new Okta release with the same defect in a new place still
//! builds. Both consumers profit: progenitor no longer panics or errs, and
//! the tool input schemas handed to MCP clients are valid JSON Schema whose
//! patterns every client's regex engine accepts.

use serde_json::{Map, Value};

/// What one pass changed, for the build report.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct RepairCounts {
    pub mismatched_defaults: usize,
    pub duplicate_enum_values: usize,
    pub inline_regex_flags: usize,
    pub optional_path_params: usize,
    pub examples_removed: usize,
}

/// Runs every pass over the whole document.
pub fn repair_spec(spec: &mut Value) -> RepairCounts {
    let mut counts = RepairCounts {
        examples_removed: strip_examples(spec),
        ..RepairCounts::default()
    };
    walk_schemas(spec, &mut |obj| {
        counts.mismatched_defaults += drop_mismatched_default(obj);
        counts.duplicate_enum_values += dedupe_enum(obj);
        counts.inline_regex_flags += rewrite_inline_flags(obj);
    });
    counts.optional_path_params = require_path_params(spec);
    counts
}

/// Removes `example`/`examples` everywhere. Examples are documentation, may
/// hold dangling `$ref`s (three do in 2026.06.3), and would only bloat tool
/// schemas.
pub fn strip_examples(value: &mut Value) -> usize {
    let mut removed = 0;
    match value {
        Value::Object(map) => {
            for key in ["example", "examples"] {
                if map.remove(key).is_some() {
                    removed += 1;
                }
            }
            for (k, v) in map.iter_mut() {
                removed += if is_name_map(k) {
                    v.as_object_mut()
                        .map(|named| named.values_mut().map(strip_examples).sum())
                        .unwrap_or(0)
                } else {
                    strip_examples(v)
                };
            }
        }
        Value::Array(items) => {
            for v in items {
                removed += strip_examples(v);
            }
        }
        _ => {}
    }
    removed
}

/// Keys whose value maps user-chosen names to schemas: a property may well
/// be called `example` or `default`, so these maps are never read as schemas.
fn is_name_map(key: &str) -> bool {
    matches!(key, "properties" | "patternProperties" | "schemas")
}

/// Visits every object of the document (after examples are gone, every
/// object that can carry `default`, `enum` or `pattern` is a schema or a
/// parameter wrapping one). Vendor extensions are left alone.
fn walk_schemas(value: &mut Value, visit: &mut dyn FnMut(&mut Map<String, Value>)) {
    match value {
        Value::Object(map) => {
            visit(map);
            for (k, v) in map.iter_mut() {
                if k.starts_with("x-") {
                    continue;
                }
                match v.as_object_mut() {
                    Some(named) if is_name_map(k) => {
                        named.values_mut().for_each(|s| walk_schemas(s, visit))
                    }
                    _ => walk_schemas(v, visit),
                }
            }
        }
        Value::Array(items) => {
            for v in items {
                walk_schemas(v, visit);
            }
        }
        _ => {}
    }
}

/// A `default` that its schema's own `type` (or `nullable`, or date format)
/// rejects is removed: progenitor refuses some, and accepts others that then
/// panic at run time (`default: "Assigned"` on a date-time).
pub fn drop_mismatched_default(schema: &mut Map<String, Value>) -> usize {
    let Some(default) = schema.get("default") else {
        return 0;
    };
    let nullable = schema.get("nullable").and_then(Value::as_bool) == Some(true);
    let ok = match (schema.get("type").and_then(Value::as_str), default) {
        (_, Value::Null) => nullable,
        (None, _) => true,
        (Some("string"), Value::String(s)) => match schema.get("format").and_then(Value::as_str) {
            Some("date-time") | Some("date") => looks_like_date(s),
            _ => true,
        },
        (Some("integer"), Value::Number(n)) => n.is_i64() || n.is_u64(),
        (Some("number"), Value::Number(_)) => true,
        (Some("boolean"), Value::Bool(_)) => true,
        (Some("array"), Value::Array(_)) => true,
        (Some("object"), Value::Object(_)) => true,
        _ => false,
    };
    let in_enum = match schema.get("enum").and_then(Value::as_array) {
        Some(values) if !default.is_null() => values.contains(default),
        _ => true,
    };
    if ok && in_enum {
        return 0;
    }
    schema.remove("default");
    1
}

fn looks_like_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 10
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && b[5..7].iter().all(u8::is_ascii_digit)
        && b[7] == b'-'
        && b[8..10].iter().all(u8::is_ascii_digit)
}

/// Repeated `enum` values are removed (first occurrence kept): JSON Schema
/// requires unique items and progenitor would emit duplicate variants.
pub fn dedupe_enum(schema: &mut Map<String, Value>) -> usize {
    let Some(Value::Array(values)) = schema.get_mut("enum") else {
        return 0;
    };
    let before = values.len();
    let mut seen: Vec<Value> = Vec::with_capacity(before);
    values.retain(|v| {
        if seen.contains(v) {
            false
        } else {
            seen.push(v.clone());
            true
        }
    });
    before - values.len()
}

/// `(?i)` is not ECMA-262 regex syntax, which is what JSON Schema patterns
/// are: clients and progenitor's regex crate disagree on it. The flag is
/// removed and its meaning kept by spelling out both cases of each letter.
pub fn rewrite_inline_flags(schema: &mut Map<String, Value>) -> usize {
    let Some(Value::String(pattern)) = schema.get_mut("pattern") else {
        return 0;
    };
    let Some(rest) = pattern.strip_prefix("(?i)") else {
        return 0;
    };
    *pattern = case_insensitive(rest);
    1
}

/// Rewrites a pattern so that it matches letters in either case without an
/// inline flag: `ab[c-d]` becomes `[aA][bB][c-dC-D]`.
pub fn case_insensitive(pattern: &str) -> String {
    let chars: Vec<char> = pattern.chars().collect();
    let mut out = String::with_capacity(pattern.len() * 3);
    let mut i = 0;
    let mut in_class = false;
    while i < chars.len() {
        let c = chars[i];
        if c == '\\' && i + 1 < chars.len() {
            out.push(c);
            out.push(chars[i + 1]);
            i += 2;
            continue;
        }
        if in_class {
            if c == ']' {
                in_class = false;
                out.push(c);
            } else if c.is_ascii_alphabetic()
                && i + 2 < chars.len()
                && chars[i + 1] == '-'
                && chars[i + 2].is_ascii_alphabetic()
            {
                let (lo, hi) = (c, chars[i + 2]);
                out.extend([lo, '-', hi]);
                out.extend([swap_case(lo), '-', swap_case(hi)]);
                i += 3;
                continue;
            } else if c.is_ascii_alphabetic() {
                out.push(c);
                out.push(swap_case(c));
            } else {
                out.push(c);
            }
        } else if c == '[' {
            in_class = true;
            out.push(c);
            if chars.get(i + 1) == Some(&'^') {
                out.push('^');
                i += 1;
            }
        } else if c.is_ascii_alphabetic() && !follows_quantifier_brace(&chars, i) {
            out.push('[');
            out.push(c);
            out.push(swap_case(c));
            out.push(']');
        } else {
            out.push(c);
        }
        i += 1;
    }
    out
}

/// Letters in `(?P<name>...)`-style syntax are not expected here, but a
/// letter right after `(?` is syntax, not text, so it is kept as is.
fn follows_quantifier_brace(chars: &[char], i: usize) -> bool {
    i >= 2 && chars[i - 1] == '?' && chars[i - 2] == '('
}

fn swap_case(c: char) -> char {
    if c.is_ascii_lowercase() {
        c.to_ascii_uppercase()
    } else {
        c.to_ascii_lowercase()
    }
}

/// OpenAPI requires `required: true` on path parameters; a spec that omits it
/// makes progenitor err. The path cannot be built without them anyway.
pub fn require_path_params(spec: &mut Value) -> usize {
    let mut fixed = 0;
    let mut fix = |param: &mut Value| {
        if param.get("in").and_then(Value::as_str) == Some("path")
            && param.get("required").and_then(Value::as_bool) != Some(true)
        {
            param["required"] = Value::Bool(true);
            fixed += 1;
        }
    };
    if let Some(Value::Object(params)) = spec.pointer_mut("/components/parameters") {
        params.values_mut().for_each(&mut fix);
    }
    if let Some(Value::Object(paths)) = spec.get_mut("paths") {
        for item in paths.values_mut() {
            let Value::Object(item) = item else { continue };
            for (key, v) in item.iter_mut() {
                let params = if key == "parameters" {
                    Some(v)
                } else {
                    v.get_mut("parameters")
                };
                if let Some(Value::Array(params)) = params {
                    params.iter_mut().for_each(&mut fix);
                }
            }
        }
    }
    fixed
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn defaults_that_contradict_their_type_are_dropped() {
        let mut spec = json!({"components": {"schemas": {
            "A": {"type": "integer", "default": "10"},
            "B": {"type": "string", "default": null},
            "C": {"type": "string", "format": "date-time", "default": "Assigned"},
            "D": {"type": "integer", "default": 10},
            "E": {"type": "string", "nullable": true, "default": null},
            "F": {"type": "string", "enum": ["a", "b"], "default": "c"},
            "G": {"type": "string", "format": "date-time", "default": "2024-01-01T00:00:00Z"}
        }}});
        let counts = repair_spec(&mut spec);
        assert_eq!(counts.mismatched_defaults, 4);
        let s = &spec["components"]["schemas"];
        for dropped in ["A", "B", "C", "F"] {
            assert!(s[dropped].get("default").is_none(), "{dropped}");
        }
        for kept in ["D", "E", "G"] {
            assert!(s[kept].get("default").is_some(), "{kept}");
        }
    }

    #[test]
    fn duplicate_enum_values_are_removed_in_order() {
        let mut spec = json!({"type": "string", "enum": ["A", "B", "A", "C", "B"]});
        assert_eq!(repair_spec(&mut spec).duplicate_enum_values, 2);
        assert_eq!(spec["enum"], json!(["A", "B", "C"]));
    }

    #[test]
    fn inline_case_flag_is_spelled_out() {
        assert_eq!(case_insensitive("ab"), "[aA][bB]");
        assert_eq!(case_insensitive("^[a-z0-9]+$"), "^[a-zA-Z0-9]+$");
        assert_eq!(case_insensitive("\\d{2}x"), "\\d{2}[xX]");
        assert_eq!(case_insensitive("[^q]"), "[^qQ]");
        let mut spec = json!({"type": "string", "pattern": "(?i)^ok$"});
        assert_eq!(repair_spec(&mut spec).inline_regex_flags, 1);
        assert_eq!(spec["pattern"], "^[oO][kK]$");
    }

    #[test]
    fn path_parameters_become_required() {
        let mut spec = json!({
            "paths": {"/a/{id}": {
                "parameters": [{"name": "id", "in": "path"}],
                "get": {"parameters": [{"name": "x", "in": "path", "required": false},
                                        {"name": "q", "in": "query"}]}
            }},
            "components": {"parameters": {"P": {"name": "p", "in": "path"}}}
        });
        assert_eq!(repair_spec(&mut spec).optional_path_params, 3);
        assert_eq!(
            spec.pointer("/paths/~1a~1{id}/get/parameters/1/required"),
            None
        );
        assert_eq!(spec["components"]["parameters"]["P"]["required"], true);
    }

    #[test]
    fn properties_named_like_keywords_survive() {
        let mut spec = json!({"type": "object", "properties": {
            "example": {"type": "string"},
            "default": {"type": "integer"}
        }});
        let before = spec.clone();
        repair_spec(&mut spec);
        assert_eq!(spec, before);
    }

    #[test]
    fn examples_with_dangling_refs_are_gone() {
        let mut spec = json!({"a": {"example": {"$ref": "#/definitions/base"}, "type": "object"},
                              "components": {"examples": {"X": {}}}});
        repair_spec(&mut spec);
        assert_eq!(spec, json!({"a": {"type": "object"}, "components": {}}));
    }
}
