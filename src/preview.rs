//! What a person sees before a write reaches Okta, built from Okta's own
//! data rather than the model's words.
//!
//! A confirmation that says "Delete a group: groupId 00g1…?" cannot be
//! judged. Before asking, each object the call names in its path is looked
//! up by a GET of its own (the user's login and name, the group's name, the
//! app's label, the policy's name and type, …). A `change` shows which fields
//! differ from the current object; a `create` or `grant` shows the key fields
//! of the body, labelled as the agent's words. A lookup that fails falls
//! back to the id and says so. The pure parts (naming, diffing, rendering)
//! are unit-tested; [`build`] does the lookups.

use serde_json::{Map, Value};

use crate::call::{CallContext, Runtime};
use crate::risk::RiskClass;
use crate::tool_table::{TOOLS, ToolSpec};

/// At most this many lines of diff or body fields.
const MAX_FIELD_LINES: usize = 15;
/// Longest value shown, in characters.
const MAX_VALUE_CHARS: usize = 80;

/// The confirmation text and the names it showed (for the audit trail).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Preview {
    pub text: String,
    pub shown: Vec<String>,
}

/// One object named by the call's path, as resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct Resolved {
    /// "user", "group", "policy", …
    pub kind: String,
    pub id: String,
    /// The readable name, or why it could not be read.
    pub name: Result<String, String>,
}

/// Looks up every object in the call's path, then renders the question.
pub async fn build(
    rt: &Runtime,
    tool: &'static ToolSpec,
    args: &Map<String, Value>,
    class: RiskClass,
    ctx: &CallContext,
) -> Preview {
    let mut objects = Vec::new();
    let mut current = None;
    for (name, prefix) in path_params(tool.path) {
        let Some(id) = args.get(&name).and_then(Value::as_str) else {
            continue;
        };
        let kind = object_kind(tool.path, &name);
        let looked_up = match lookup_of(tool.path, &name, &prefix, args) {
            Some((reader, reader_args)) => rt
                .fetch(reader, &reader_args, ctx)
                .await
                .map_err(|e| first_line(&e)),
            None => Err("no way to look it up".to_owned()),
        };
        let is_target = prefix == tool.path;
        let name = match looked_up {
            Ok(obj) => {
                let n = name_of(&obj).ok_or_else(|| "it has no readable name".to_owned());
                if is_target {
                    current = Some(obj);
                }
                n
            }
            Err(e) => Err(e),
        };
        objects.push(Resolved {
            kind,
            id: id.to_owned(),
            name,
        });
    }
    let body = args.get("body").filter(|b| !b.is_null());
    let fields = match (class, body, &current) {
        (RiskClass::Change, Some(b), Some(cur)) => FieldLines::Diff(diff(cur, b)),
        (_, Some(b), _) => FieldLines::Sent(body_fields(b)),
        _ => FieldLines::None,
    };
    render(tool, class, &objects, &fields)
}

/// The body part of the question.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldLines {
    None,
    /// `field: current → requested`, for a change of an existing object.
    Diff(Vec<String>),
    /// `field: value`, as the agent wrote them.
    Sent(Vec<String>),
}

/// The question as text.
pub fn render(
    tool: &ToolSpec,
    class: RiskClass,
    objects: &[Resolved],
    fields: &FieldLines,
) -> Preview {
    let title = if tool.title.is_empty() {
        tool.name.replace('_', " ")
    } else {
        tool.title.to_owned()
    };
    let mut text = format!("{title} (`{}`): this {}.", tool.name, class.meaning());
    let mut shown = Vec::new();
    if !objects.is_empty() {
        text.push_str("\nLooked up in Okta:");
        for o in objects {
            match &o.name {
                Ok(name) => {
                    text.push_str(&format!("\n- {} {} ({})", o.kind, name, o.id));
                    shown.push(format!("{} {}", o.kind, name));
                }
                Err(why) => {
                    text.push_str(&format!("\n- {} {} (name not shown: {why})", o.kind, o.id))
                }
            }
        }
    }
    match fields {
        FieldLines::None => {}
        FieldLines::Diff(lines) if lines.is_empty() => {
            text.push_str("\nNo field differs from the current object.");
        }
        FieldLines::Diff(lines) => {
            text.push_str("\nChanges (current → requested by the agent):");
            for l in lines {
                text.push_str(&format!("\n- {l}"));
            }
        }
        FieldLines::Sent(lines) if lines.is_empty() => {}
        FieldLines::Sent(lines) => {
            text.push_str("\nFields the agent is sending (its words, not checked):");
            for l in lines {
                text.push_str(&format!("\n- {l}"));
            }
        }
    }
    Preview { text, shown }
}

/// Path parameters in path order, each with the path up to and including it.
pub fn path_params(path: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut at = 0;
    while let Some(open) = path[at..].find('{') {
        let open = at + open;
        let Some(close) = path[open..].find('}') else {
            break;
        };
        let close = open + close;
        out.push((path[open + 1..close].to_owned(), path[..=close].to_owned()));
        at = close + 1;
    }
    out
}

/// A path template with its parameter names blanked: `/users/{}`.
fn shape(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut in_param = false;
    for c in path.chars() {
        match c {
            '{' => {
                in_param = true;
                out.push('{');
            }
            '}' => {
                in_param = false;
                out.push('}');
            }
            _ if in_param => {}
            _ => out.push(c),
        }
    }
    out
}

/// The plain GET of the object at `prefix`, if the spec has one.
pub fn reader_for(prefix: &str) -> Option<&'static ToolSpec> {
    let want = shape(prefix);
    let mut candidates = TOOLS.iter().filter(|t| {
        t.method == "GET" && t.handler.is_none() && t.fixed_args == "{}" && shape(t.path) == want
    });
    let first = candidates.next()?;
    // Prefer the generated tool over a curated alias of the same operation.
    Some(
        std::iter::once(first)
            .chain(candidates)
            .find(|t| !t.curated)
            .unwrap_or(first),
    )
}

/// How to read the object `{param}` names: the GET of its own path, or,
/// for an object met under another (`/groups/{g}/users/{u}`), the GET of
/// its top-level collection (`/api/v1/users/{u}`).
fn lookup_of(
    call_path: &str,
    param: &str,
    prefix: &str,
    args: &Map<String, Value>,
) -> Option<(&'static ToolSpec, Map<String, Value>)> {
    if let Some(reader) = reader_for(prefix) {
        return Some((reader, reader_args(reader, call_path, prefix, args)));
    }
    let segment = segment_before(call_path, param)?;
    let top = format!("/api/v1/{segment}/{{{param}}}");
    let reader = reader_for(&top)?;
    let (reader_param, _) = path_params(reader.path).into_iter().next()?;
    let mut one = Map::new();
    one.insert(reader_param, args.get(param)?.clone());
    Some((reader, one))
}

/// The reader's arguments: its path parameters, by position, take the values
/// of the call's parameters at the same positions.
fn reader_args(
    reader: &ToolSpec,
    call_path: &str,
    prefix: &str,
    args: &Map<String, Value>,
) -> Map<String, Value> {
    let call_params = path_params(call_path);
    let mut out = Map::new();
    for ((reader_name, _), (call_name, _)) in path_params(reader.path).into_iter().zip(
        call_params
            .iter()
            .take_while(|(_, p)| p.len() <= prefix.len()),
    ) {
        if let Some(v) = args.get(call_name) {
            out.insert(reader_name, v.clone());
        }
    }
    out
}

/// The path segment just before `{param}`: `users` in `/users/{userId}`.
fn segment_before<'a>(path: &'a str, param: &str) -> Option<&'a str> {
    let at = path.find(&format!("/{{{param}}}"))?;
    path[..at].rsplit('/').next()
}

/// "user", "group", "authorization server": the word before `{param}`.
pub fn object_kind(path: &str, param: &str) -> String {
    let segment = segment_before(path, param).unwrap_or(param);
    let word = match segment {
        "idps" => return "identity provider".to_owned(),
        "apps" => return "app".to_owned(),
        "zones" => return "network zone".to_owned(),
        s => s,
    };
    let mut spaced = String::new();
    for c in word.chars() {
        if c.is_ascii_uppercase() {
            spaced.push(' ');
            spaced.push(c.to_ascii_lowercase());
        } else {
            spaced.push(c);
        }
    }
    singular(&spaced)
}

fn singular(word: &str) -> String {
    if let Some(stem) = word.strip_suffix("ies") {
        format!("{stem}y")
    } else if word.ends_with("ses") {
        word[..word.len() - 2].to_owned()
    } else if let Some(stem) = word.strip_suffix('s') {
        stem.to_owned()
    } else {
        word.to_owned()
    }
}

/// The readable name of an Okta object: a user's login and display name, a
/// group's name, an app's or role's label, a policy's name and type, …
pub fn name_of(obj: &Value) -> Option<String> {
    fn s(v: Option<&Value>) -> Option<&str> {
        v.and_then(Value::as_str).filter(|s| !s.is_empty())
    }
    let profile = obj.get("profile");
    if let Some(login) = s(profile.and_then(|p| p.get("login"))) {
        let display = s(profile.and_then(|p| p.get("displayName")))
            .map(str::to_owned)
            .or_else(|| {
                let first = s(profile.and_then(|p| p.get("firstName")))?;
                let last = s(profile.and_then(|p| p.get("lastName"))).unwrap_or("");
                Some(format!("{first} {last}").trim().to_owned())
            });
        return Some(match display {
            Some(d) => format!("{} ({})", quoted(login), clip(&d)),
            None => quoted(login),
        });
    }
    if let Some(name) = s(profile.and_then(|p| p.get("name"))) {
        return Some(quoted(name));
    }
    let kind = s(obj.get("type"));
    for key in ["label", "name", "displayName"] {
        if let Some(name) = s(obj.get(key)) {
            return Some(match kind {
                Some(k) if k != name => format!("{} (type {})", quoted(name), clip(k)),
                _ => quoted(name),
            });
        }
    }
    kind.map(|k| format!("of type {}", clip(k)))
}

/// A name as shown: quoted, clipped, control characters removed, so that a
/// name cannot pose as a line of the question.
fn quoted(text: &str) -> String {
    format!("\"{}\"", clip(text))
}

fn clip(text: &str) -> String {
    let clean: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if clean.chars().count() > MAX_VALUE_CHARS {
        let cut: String = clean.chars().take(MAX_VALUE_CHARS).collect();
        format!("{cut}…")
    } else {
        clean
    }
}

fn show(v: &Value) -> String {
    match v {
        Value::String(s) => quoted(s),
        Value::Null => "(none)".to_owned(),
        other => clip(&other.to_string()),
    }
}

/// Leaves of `v` as dotted paths (arrays are leaves).
fn leaves<'a>(prefix: &str, v: &'a Value, out: &mut Vec<(String, &'a Value)>) {
    match v {
        Value::Object(m) if !m.is_empty() => {
            for (k, child) in m {
                let p = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                leaves(&p, child, out);
            }
        }
        _ => out.push((prefix.to_owned(), v)),
    }
}

fn lookup<'a>(v: &'a Value, dotted: &str) -> Option<&'a Value> {
    dotted.split('.').try_fold(v, |at, k| at.get(k))
}

fn capped(mut lines: Vec<String>) -> Vec<String> {
    if lines.len() > MAX_FIELD_LINES {
        let more = lines.len() - (MAX_FIELD_LINES - 1);
        lines.truncate(MAX_FIELD_LINES - 1);
        lines.push(format!("… and {more} more fields"));
    }
    lines
}

/// The fields of `requested` whose value differs from `current`.
pub fn diff(current: &Value, requested: &Value) -> Vec<String> {
    let mut wanted = Vec::new();
    leaves("", requested, &mut wanted);
    let lines = wanted
        .into_iter()
        .filter(|(path, _)| !path.is_empty())
        .filter_map(|(path, new)| {
            let old = lookup(current, &path).unwrap_or(&Value::Null);
            (old != new).then(|| format!("{path}: {} → {}", show(old), show(new)))
        })
        .collect();
    capped(lines)
}

/// The body's fields as `name: value` lines.
pub fn body_fields(body: &Value) -> Vec<String> {
    let mut all = Vec::new();
    leaves("", body, &mut all);
    capped(
        all.into_iter()
            .map(|(path, v)| {
                if path.is_empty() {
                    format!("body: {}", show(v))
                } else {
                    format!("{path}: {}", show(v))
                }
            })
            .collect(),
    )
}

fn first_line(text: &str) -> String {
    clip(text.lines().next().unwrap_or(""))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn params_come_in_path_order_with_their_prefix() {
        assert_eq!(
            path_params("/api/v1/groups/{groupId}/users/{userId}"),
            vec![
                ("groupId".to_owned(), "/api/v1/groups/{groupId}".to_owned()),
                (
                    "userId".to_owned(),
                    "/api/v1/groups/{groupId}/users/{userId}".to_owned()
                ),
            ]
        );
    }

    #[test]
    fn kinds_read_like_words() {
        assert_eq!(
            object_kind("/api/v1/users/{userId}/roles", "userId"),
            "user"
        );
        assert_eq!(
            object_kind("/api/v1/policies/{policyId}", "policyId"),
            "policy"
        );
        assert_eq!(
            object_kind("/api/v1/idps/{idpId}", "idpId"),
            "identity provider"
        );
        assert_eq!(
            object_kind(
                "/api/v1/authorizationServers/{authServerId}",
                "authServerId"
            ),
            "authorization server"
        );
        assert_eq!(object_kind("/api/v1/apps/{appId}", "appId"), "app");
    }

    #[test]
    fn readers_are_found_whatever_their_parameter_names() {
        let r = reader_for("/api/v1/users/{userId}").expect("a GET of a user");
        assert_eq!(r.method, "GET");
        assert_eq!(shape(r.path), "/api/v1/users/{}");
        assert!(reader_for("/api/v1/groups/{groupId}").is_some());
        assert!(reader_for("/api/v1/nothing/{x}").is_none());
        let member = json!({"groupId": "00g1", "userId": "00u1"});
        let (r, a) = lookup_of(
            "/api/v1/groups/{groupId}/users/{userId}",
            "userId",
            "/api/v1/groups/{groupId}/users/{userId}",
            member.as_object().unwrap(),
        )
        .expect("a member is read as a user");
        assert_eq!(shape(r.path), "/api/v1/users/{}");
        assert_eq!(a.values().collect::<Vec<_>>(), vec![&json!("00u1")]);
        let args = json!({"userId": "00u1", "body": {}});
        let a = reader_args(
            r,
            "/api/v1/users/{userId}/roles",
            "/api/v1/users/{userId}",
            args.as_object().unwrap(),
        );
        assert_eq!(a.len(), 1);
        assert_eq!(a.values().next(), Some(&json!("00u1")));
    }

    #[test]
    fn names_of_common_objects() {
        let user = json!({"profile": {"login": "a@x.io", "firstName": "Ann", "lastName": "Lee"}});
        assert_eq!(name_of(&user).unwrap(), "\"a@x.io\" (Ann Lee)");
        assert_eq!(
            name_of(&json!({"profile": {"name": "Engineering"}})).unwrap(),
            "\"Engineering\""
        );
        assert_eq!(
            name_of(&json!({"label": "Salesforce"})).unwrap(),
            "\"Salesforce\""
        );
        assert_eq!(
            name_of(&json!({"name": "Default", "type": "OKTA_SIGN_ON"})).unwrap(),
            "\"Default\" (type OKTA_SIGN_ON)"
        );
        assert_eq!(name_of(&json!({"id": "x"})), None);
    }

    #[test]
    fn names_cannot_forge_lines() {
        let n = name_of(&json!({"label": "ok\n- grants nothing, approve"})).unwrap();
        assert!(!n.contains('\n'), "{n}");
    }

    #[test]
    fn diff_shows_only_what_changes_and_is_capped() {
        let cur = json!({"name": "A", "settings": {"x": 1, "y": 2}});
        let req = json!({"name": "B", "settings": {"x": 1, "y": 3}});
        assert_eq!(
            diff(&cur, &req),
            vec!["name: \"A\" → \"B\"", "settings.y: 2 → 3"]
        );
        let many: Map<String, Value> = (0..40).map(|i| (format!("f{i}"), json!(i))).collect();
        let lines = diff(&json!({}), &Value::Object(many));
        assert_eq!(lines.len(), MAX_FIELD_LINES);
        assert!(lines.last().unwrap().contains("more fields"));
    }

    #[test]
    fn rendered_question_names_objects_and_labels_the_agents_words() {
        let tool = crate::tool_table::find("assign_role_to_user").unwrap();
        let objects = vec![
            Resolved {
                kind: "user".into(),
                id: "00u1".into(),
                name: Ok("\"a@x.io\" (Ann Lee)".into()),
            },
            Resolved {
                kind: "group".into(),
                id: "00g1".into(),
                name: Err("HTTP 404".into()),
            },
        ];
        let p = render(
            tool,
            RiskClass::Grant,
            &objects,
            &FieldLines::Sent(body_fields(&json!({"type": "SUPER_ADMIN"}))),
        );
        assert!(p.text.contains("grants access"), "{}", p.text);
        assert!(
            p.text.contains("user \"a@x.io\" (Ann Lee) (00u1)"),
            "{}",
            p.text
        );
        assert!(
            p.text.contains("group 00g1 (name not shown: HTTP 404)"),
            "{}",
            p.text
        );
        assert!(p.text.contains("its words"), "{}", p.text);
        assert!(p.text.contains("type: \"SUPER_ADMIN\""), "{}", p.text);
        assert_eq!(p.shown, vec!["user \"a@x.io\" (Ann Lee)"]);
    }
}
