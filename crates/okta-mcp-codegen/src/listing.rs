//! The abridged input schema a tool is *listed* with.
//!
//! `tools/list` goes into the model's context on every turn, so what it
//! carries is paid for again and again. The full schema (every property,
//! every constraint) stays the one arguments are validated against and the
//! one `describe_okta_operation` returns; the listed schema keeps what a
//! model needs to form a call: argument names, types, enums, what is
//! required, a short description where the name does not say it all, and
//! the first levels of a body. Everything cut from it is still enforced.

use serde_json::{Map, Value};

use crate::input_schema::short_description;

/// Longest description a listed argument keeps.
pub const MAX_LISTED_DESCRIPTION: usize = 60;

/// Header arguments the runtime sets itself; listing them only invites
/// mistakes. They stay accepted.
const UNLISTED_HEADERS: [&str; 2] = ["Content-Type", "Accept"];

/// Runtime arguments a model should not send unasked: `confirm` is for
/// after the person said yes, and a refused call says so ("call again with
/// \"confirm\": true"); clients that can ask the person never need it. It
/// stays accepted (the full schema has it).
const UNLISTED_ARGS: [&str; 1] = ["confirm"];

/// Arguments whose name (and the tool description's paging note) already
/// says what they are, or whose spec text says nothing more (`expand`).
const SELF_EVIDENT: [&str; 4] = ["id", "after", "limit", "expand"];

/// Nesting levels: the tool's own object, an argument, a body property...
const TOOL: usize = 0;
const ARGUMENT: usize = 1;
/// From this level on, an object lists only its required properties.
const REQUIRED_ONLY_FROM: usize = 2;
/// From this level on, an object lists no properties at all.
const OPAQUE_FROM: usize = 4;

/// The listed form of a tool's full input schema.
pub fn listed_schema(full: &Value) -> Value {
    slim(full, TOOL, "")
}

fn says_itself(name: &str) -> bool {
    SELF_EVIDENT.contains(&name) || (name.ends_with("Id") && name.len() > 2)
}

fn slim(schema: &Value, level: usize, name: &str) -> Value {
    let Value::Object(src) = schema else {
        return schema.clone();
    };
    let mut out = Map::new();
    match src.get("type") {
        Some(t) => {
            out.insert("type".into(), t.clone());
        }
        None if src.contains_key("properties") => {
            out.insert("type".into(), "object".into());
        }
        None => {}
    }
    if let Some(e) = src.get("enum") {
        out.insert("enum".into(), e.clone());
    }
    // A default that is prose ("7 days prior to until") is documentation,
    // not a value a model should send back.
    if level <= ARGUMENT
        && let Some(d) = src.get("default")
        && !matches!(d, Value::Null)
        && !d.as_str().is_some_and(|s| s.is_empty() || s.contains(' '))
    {
        out.insert("default".into(), d.clone());
    }
    if src.get("format").and_then(Value::as_str) == Some("date-time") {
        out.insert("format".into(), "date-time".into());
    }
    if level == ARGUMENT
        && !says_itself(name)
        && let Some(d) = src.get("description").and_then(Value::as_str)
    {
        let d = short_description(d, MAX_LISTED_DESCRIPTION);
        if !d.is_empty() {
            out.insert("description".into(), d.into());
        }
    }
    if let Some(items) = src.get("items") {
        out.insert("items".into(), slim(items, level + 1, ""));
    }
    for key in ["oneOf", "anyOf", "allOf"] {
        if let Some(Value::Array(parts)) = src.get(key) {
            let parts = parts.iter().map(|p| slim(p, level, name)).collect();
            out.insert(key.into(), Value::Array(parts));
        }
    }
    if let Some(Value::Object(props)) = src.get("properties") {
        let required: Vec<&str> = src
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        let listed = |n: &str| {
            if level >= OPAQUE_FROM {
                return false;
            }
            if level >= REQUIRED_ONLY_FROM && !required.contains(&n) {
                return false;
            }
            if level == TOOL && UNLISTED_ARGS.contains(&n) {
                return false;
            }
            !(level == TOOL && UNLISTED_HEADERS.contains(&n) && !required.contains(&n))
        };
        let kept: Map<String, Value> = props
            .iter()
            .filter(|(n, _)| listed(n))
            .map(|(n, p)| (n.clone(), slim(p, level + 1, n)))
            .collect();
        let kept_required: Vec<Value> = required
            .iter()
            .filter(|r| kept.contains_key(**r))
            .map(|r| Value::String((*r).to_owned()))
            .collect();
        if !kept.is_empty() {
            out.insert("properties".into(), Value::Object(kept));
        }
        if !kept_required.is_empty() {
            out.insert("required".into(), Value::Array(kept_required));
        }
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keeps_names_types_enums_and_required() {
        let full = json!({
            "type": "object",
            "additionalProperties": false,
            "properties": {
                "userId": {"type": "string", "description": "The ID of the user"},
                "status": {"type": "string", "enum": ["ACTIVE", "SUSPENDED"], "description": "Only users in this status. More words follow here, past the limit."},
                "limit": {"type": "integer", "format": "int32", "default": 200, "minimum": 1, "description": "Specifies the number of results"},
                "since": {"type": "string", "format": "date-time"},
                "expand": {"type": "string", "default": ""},
                "until": {"type": "string", "default": "current time"},
                "Content-Type": {"type": "string"}
            },
            "required": ["userId"]
        });
        let listed = listed_schema(&full);
        assert_eq!(
            listed,
            json!({
                "type": "object",
                "properties": {
                    "userId": {"type": "string"},
                    "status": {"type": "string", "enum": ["ACTIVE", "SUSPENDED"], "description": "Only users in this status."},
                    "limit": {"type": "integer", "default": 200},
                    "since": {"type": "string", "format": "date-time"},
                    "expand": {"type": "string"},
                    "until": {"type": "string"}
                },
                "required": ["userId"]
            })
        );
    }

    #[test]
    fn bodies_keep_their_first_level_and_required_nested_properties() {
        let full = json!({
            "type": "object",
            "properties": {
                "body": {
                    "type": "object",
                    "description": "The rule",
                    "properties": {
                        "name": {"type": "string", "description": "dropped at this depth"},
                        "conditions": {
                            "type": "object",
                            "required": ["people"],
                            "properties": {
                                "people": {"type": "object", "properties": {"users": {"type": "object"}}},
                                "network": {"type": "object"}
                            }
                        },
                        "tags": {"type": "array", "items": {"type": "string", "maxLength": 10}}
                    },
                    "required": ["name"]
                }
            },
            "required": ["body"]
        });
        let listed = listed_schema(&full);
        assert_eq!(
            listed["properties"]["body"],
            json!({
                "type": "object",
                "description": "The rule",
                "properties": {
                    "name": {"type": "string"},
                    "conditions": {"type": "object", "properties": {"people": {"type": "object"}}, "required": ["people"]},
                    "tags": {"type": "array", "items": {"type": "string"}}
                },
                "required": ["name"]
            })
        );
    }

    #[test]
    fn a_required_header_stays_listed() {
        let full = json!({"type": "object", "properties": {"Content-Type": {"type": "string"}}, "required": ["Content-Type"]});
        assert!(listed_schema(&full)["properties"]["Content-Type"].is_object());
    }

    #[test]
    fn confirm_is_accepted_but_not_listed() {
        let full = json!({"type": "object", "properties": {
            "groupId": {"type": "string"},
            "confirm": {"type": "boolean", "description": "Set once the person approved."}
        }, "required": ["groupId"], "additionalProperties": false});
        let listed = listed_schema(&full);
        assert!(listed["properties"]["groupId"].is_object());
        assert!(listed["properties"].get("confirm").is_none(), "{listed}");
    }
}
