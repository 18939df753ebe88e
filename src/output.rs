//! Shaping results to fit a model's context: field projection, and the
//! size cap (`OKTA_MAX_OUTPUT_BYTES`) every result obeys: a list is cut on an
//! item boundary by the pager; one value too large is cut here, field by
//! field, with a note naming what was left out.

use serde_json::{Map, Value, json};

/// Keeps only the named fields (dotted paths) of an object; other values
/// pass unchanged.
pub fn project(value: &Value, fields: &[Vec<&str>]) -> Value {
    let Value::Object(src) = value else {
        return value.clone();
    };
    let mut out = Map::new();
    for path in fields {
        copy_path(src, &mut out, path);
    }
    Value::Object(out)
}

fn copy_path(src: &Map<String, Value>, dst: &mut Map<String, Value>, path: &[&str]) {
    let Some((first, rest)) = path.split_first() else {
        return;
    };
    let Some(v) = src.get(*first) else { return };
    if rest.is_empty() {
        dst.insert((*first).to_owned(), v.clone());
        return;
    }
    if let Value::Object(inner) = v {
        let entry = dst
            .entry((*first).to_owned())
            .or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(d) = entry {
            copy_path(inner, d, rest);
        }
    }
}

/// Parses `id,status,profile.login` into paths.
pub fn parse_fields(text: &str) -> Vec<Vec<&str>> {
    text.split(',')
        .map(str::trim)
        .filter(|f| !f.is_empty())
        .map(|f| f.split('.').filter(|s| !s.is_empty()).collect())
        .collect()
}

/// Okta's own `fields` syntax for the same selection:
/// `id,profile.login,profile.email` becomes `id,profile:(login,email)`.
pub fn okta_fields_syntax(text: &str) -> String {
    let mut top: Vec<String> = Vec::new();
    let mut nested: Vec<(String, Vec<String>)> = Vec::new();
    for path in parse_fields(text) {
        match path.as_slice() {
            [one] if !top.iter().any(|t| t == one) => top.push((*one).to_owned()),
            [_] => {}
            [head, rest @ ..] => {
                let sub = rest.join(".");
                match nested.iter_mut().find(|(h, _)| h == head) {
                    Some((_, subs)) if subs.contains(&sub) => {}
                    Some((_, subs)) => subs.push(sub),
                    None => nested.push(((*head).to_owned(), vec![sub])),
                }
            }
            [] => {}
        }
    }
    for (head, subs) in nested {
        top.push(format!("{head}:({})", subs.join(",")));
    }
    top.join(",")
}

/// How many leading items of `items` fit in `budget` bytes of JSON, and
/// the bytes they take. The first `at_least` items count as fitting even
/// when they do not (an item larger than the whole budget must still go
/// out, or a cursor would never move past it).
pub fn items_that_fit(items: &[Value], budget: usize, at_least: usize) -> (usize, usize) {
    let mut used = 2;
    for (i, item) in items.iter().enumerate() {
        let len = serde_json::to_string(item).map(|s| s.len()).unwrap_or(0) + 1;
        if used + len > budget && i >= at_least {
            return (i, used);
        }
        used += len;
    }
    (items.len(), used)
}

/// Bytes of `value` as compact JSON.
pub fn json_len(value: &Value) -> usize {
    serde_json::to_string(value).map(|s| s.len()).unwrap_or(0)
}

/// The key under which a cut value says what it lost.
pub const CUT_KEY: &str = "_truncated";

/// Below this many bytes, a field is left out rather than cut.
const SMALLEST_CUT: usize = 48;

/// Most left-out paths named one by one in the note.
const NAMED_CUTS: usize = 20;

/// One thing a cut left out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cut {
    /// Dotted path (`profile.bio`, `features[3]`); empty for the value itself.
    pub path: String,
    /// Bytes of JSON the original had there.
    pub bytes: usize,
    /// What is left: "left out", "kept 3 of 40 items", "kept the first 900 of 50000 characters".
    pub kept: String,
}

/// `value` cut to about `budget` bytes of JSON, and what was left out (empty
/// when it fits). Objects keep their small fields whole and share the room
/// left between the large ones, cutting each; arrays keep leading items;
/// strings keep their start. The result is always valid JSON of the same type.
pub fn cut_value(value: Value, budget: usize) -> (Value, Vec<Cut>) {
    let mut cuts = Vec::new();
    let value = cut_at(value, budget, "", &mut cuts);
    (value, cuts)
}

fn cut_at(value: Value, budget: usize, path: &str, cuts: &mut Vec<Cut>) -> Value {
    let size = json_len(&value);
    if size <= budget {
        return value;
    }
    match value {
        Value::Object(map) => cut_object(map, budget, path, cuts),
        Value::Array(items) => cut_array(items, size, budget, path, cuts),
        Value::String(text) => {
            let total = text.chars().count();
            let mut kept = String::new();
            let mut used = 2;
            for c in text.chars() {
                let len = json_len(&Value::String(c.to_string())) - 2;
                if used + len > budget {
                    break;
                }
                used += len;
                kept.push(c);
            }
            let n = kept.chars().count();
            cuts.push(Cut {
                path: path.to_owned(),
                bytes: size,
                kept: format!("kept the first {n} of {total} characters"),
            });
            Value::String(kept)
        }
        _ => {
            cuts.push(Cut {
                path: path.to_owned(),
                bytes: size,
                kept: "left out".to_owned(),
            });
            Value::Null
        }
    }
}

fn cut_object(map: Map<String, Value>, budget: usize, path: &str, cuts: &mut Vec<Cut>) -> Value {
    let mut entries: Vec<(String, Option<Value>, usize)> = map
        .into_iter()
        .map(|(k, v)| {
            let n = json_len(&v);
            (k, Some(v), n)
        })
        .collect();
    let mut order: Vec<usize> = (0..entries.len()).collect();
    order.sort_by_key(|&i| entries[i].2);
    // Max-min fair: smallest first, each taking at most an equal share of
    // the room left, so small fields survive whole and large ones share.
    let mut used = 2;
    let count = order.len();
    for (rank, i) in order.into_iter().enumerate() {
        let (key, slot, size) = &mut entries[i];
        let Some(v) = slot.take() else { continue };
        let key_cost = json_len(&Value::String(key.clone())) + 2;
        let room = budget.saturating_sub(used + key_cost);
        let share = room / (count - rank);
        if *size <= share {
            used += key_cost + *size;
            *slot = Some(v);
        } else if share >= SMALLEST_CUT && cuttable(&v) {
            let smaller = cut_at(v, share, &join_path(path, key), cuts);
            used += key_cost + json_len(&smaller);
            *slot = Some(smaller);
        } else {
            cuts.push(Cut {
                path: join_path(path, key),
                bytes: *size,
                kept: "left out".to_owned(),
            });
        }
    }
    Value::Object(
        entries
            .into_iter()
            .filter_map(|(k, v, _)| v.map(|v| (k, v)))
            .collect(),
    )
}

fn cuttable(v: &Value) -> bool {
    v.is_object() || v.is_array() || v.is_string()
}

fn cut_array(
    items: Vec<Value>,
    size: usize,
    budget: usize,
    path: &str,
    cuts: &mut Vec<Cut>,
) -> Value {
    let total = items.len();
    let (fit, used) = items_that_fit(&items, budget, 0);
    let mut kept: Vec<Value> = items.into_iter().take(fit + 1).collect();
    if kept.len() > fit {
        // The first item that does not fit is cut into the room left, or dropped.
        let partial = kept.pop().unwrap_or(Value::Null);
        let room = budget.saturating_sub(used + 1);
        if room >= SMALLEST_CUT && cuttable(&partial) {
            kept.push(cut_at(partial, room, &format!("{path}[{fit}]"), cuts));
        }
    }
    cuts.push(Cut {
        path: path.to_owned(),
        bytes: size,
        kept: format!("kept {} of {total} items", kept.len()),
    });
    Value::Array(kept)
}

fn join_path(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

/// Caps one result to `budget` bytes: unchanged when it fits, otherwise cut
/// by [`cut_value`] with a [`CUT_KEY`] note saying what was left out and how
/// to get it. A non-object is wrapped as `{"value": ...}`.
pub fn cap_single(value: Value, budget: usize) -> Value {
    let original = json_len(&value);
    if original <= budget {
        return value;
    }
    // Room for the note itself.
    let reserve = (budget / 5).clamp(500, 4000);
    let (cut, cuts) = cut_value(value, budget.saturating_sub(reserve));
    let note = cut_note(&cuts, original, budget, reserve);
    match cut {
        Value::Object(mut map) => {
            map.insert(CUT_KEY.to_owned(), note);
            Value::Object(map)
        }
        other => json!({"value": other, CUT_KEY: note}),
    }
}

fn cut_note(cuts: &[Cut], original: usize, budget: usize, reserve: usize) -> Value {
    let mut named: Vec<Value> = Vec::new();
    let mut size = 0;
    for c in cuts.iter().take(NAMED_CUTS) {
        let path: String = c.path.chars().take(200).collect();
        let entry = json!({"path": if path.is_empty() { "(the whole value)".to_owned() } else { path }, "bytes": c.bytes, "kept": c.kept});
        size += json_len(&entry) + 1;
        if size > reserve.saturating_sub(260) && !named.is_empty() {
            break;
        }
        named.push(entry);
    }
    let more = cuts.len() - named.len();
    let mut note = json!({
        "notice": format!("cut from {original} to about {budget} bytes (OKTA_MAX_OUTPUT_BYTES); the fields below were left out or shortened. Ask for fewer fields, or raise OKTA_MAX_OUTPUT_BYTES."),
        "left_out": named,
    });
    if more > 0 {
        note["more_left_out"] = more.into();
    }
    note
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn projects_dotted_paths() {
        let user = json!({"id": "00u1", "status": "ACTIVE", "profile": {"login": "a@x", "email": "a@x", "city": "Paris"}});
        let fields = parse_fields("id, profile.login,missing.path");
        assert_eq!(
            project(&user, &fields),
            json!({"id": "00u1", "profile": {"login": "a@x"}})
        );
    }

    #[test]
    fn okta_syntax() {
        assert_eq!(
            okta_fields_syntax("id,profile.login,profile.email,status"),
            "id,status,profile:(login,email)"
        );
        // The runtime always adds `id`; asking for it too sends it once.
        assert_eq!(
            okta_fields_syntax("id,id,profile.login,profile.login"),
            "id,profile:(login)"
        );
    }

    #[test]
    fn fits_items_on_boundaries() {
        let items = vec![json!("aaaa"), json!("bbbb"), json!("cccc")];
        assert_eq!(items_that_fit(&items, 16, 0).0, 2);
        assert_eq!(items_that_fit(&items, 1000, 0).0, 3);
        assert_eq!(items_that_fit(&items, 3, 0).0, 0);
        assert_eq!(
            items_that_fit(&items, 3, 1).0,
            1,
            "an oversized first item still goes out"
        );
    }

    fn big_user() -> Value {
        json!({
            "id": "00u1",
            "status": "ACTIVE",
            "profile": {"login": "a@x", "bio": "b".repeat(30_000)},
            "groups": (0..500).map(|i| json!({"id": format!("00g{i:05}"), "name": "Group"})).collect::<Vec<_>>(),
            "tiny": [1, 2],
        })
    }

    #[test]
    fn a_value_that_fits_is_untouched() {
        let v = json!({"a": 1, "b": [1, 2, 3]});
        assert_eq!(cap_single(v.clone(), 1000), v);
        assert_eq!(cut_value(v.clone(), 1000), (v, vec![]));
    }

    #[test]
    fn a_large_object_is_cut_with_a_note_and_stays_valid_json() {
        let budget = 8_000;
        let capped = cap_single(big_user(), budget);
        let text = serde_json::to_string(&capped).unwrap();
        assert!(text.len() <= budget, "{} bytes", text.len());
        // Small fields survive whole.
        assert_eq!(capped["id"], "00u1");
        assert_eq!(capped["status"], "ACTIVE");
        assert_eq!(capped["tiny"], json!([1, 2]));
        assert_eq!(capped["profile"]["login"], "a@x");
        let note = &capped[CUT_KEY];
        assert!(
            note["notice"]
                .as_str()
                .unwrap()
                .contains("OKTA_MAX_OUTPUT_BYTES")
        );
        let paths: Vec<&str> = note["left_out"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["path"].as_str().unwrap())
            .collect();
        // Both big fields are accounted for, one shortened, one left out.
        assert!(paths.contains(&"groups"), "{paths:?}");
        assert!(
            paths.contains(&"profile.bio") || paths.contains(&"profile"),
            "{paths:?}"
        );
        assert!(serde_json::from_str::<Value>(&text).is_ok());
    }

    #[test]
    fn arrays_keep_leading_items_and_strings_their_start() {
        let (v, cuts) = cut_value(json!(["aaaa", "bbbb", "cccc"]), 16);
        assert_eq!(v, json!(["aaaa", "bbbb"]));
        assert_eq!(cuts[0].kept, "kept 2 of 3 items");
        let (v, cuts) = cut_value(json!("é".repeat(100)), 22);
        assert_eq!(v, json!("é".repeat(10)), "cut on a character boundary");
        assert!(cuts[0].kept.contains("10 of 100"));
    }

    #[test]
    fn non_objects_are_wrapped_with_the_note() {
        let capped = cap_single(json!("x".repeat(5000)), 1000);
        assert!(capped["value"].as_str().unwrap().len() < 1000);
        assert!(
            capped[CUT_KEY]["left_out"][0]["kept"]
                .as_str()
                .unwrap()
                .contains("of 5000 characters")
        );
    }
}
