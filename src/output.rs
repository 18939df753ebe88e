//! Shaping results to fit a model's context: field projection and the
//! size cap on lists.

use serde_json::{Map, Value};

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
}
