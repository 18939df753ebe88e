//! Request parameters of the OAuth endpoints (query or form body), read
//! strictly: a parameter sent twice is refused (RFC 6749 section 3.1), an
//! empty one counts as absent.

use std::collections::BTreeMap;

#[derive(Debug, Default)]
pub struct Params(BTreeMap<String, String>);

impl Params {
    /// Parses `a=b&c=d`; `Err` names a repeated parameter.
    pub fn parse(encoded: &[u8]) -> Result<Self, String> {
        let mut map = BTreeMap::new();
        for (k, v) in url::form_urlencoded::parse(encoded) {
            if v.is_empty() {
                continue;
            }
            if map.insert(k.to_string(), v.into_owned()).is_some() {
                return Err(format!("the parameter `{k}` is given more than once"));
            }
        }
        Ok(Self(map))
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    /// The value, or the error text naming the missing parameter.
    pub fn require(&self, name: &str) -> Result<&str, String> {
        self.get(name)
            .ok_or_else(|| format!("the parameter `{name}` is missing"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_parameters_are_refused_and_empty_ones_absent() {
        let p = Params::parse(b"a=1&b=&c=x%20y").unwrap();
        assert_eq!(p.get("a"), Some("1"));
        assert_eq!(p.get("b"), None);
        assert_eq!(p.get("c"), Some("x y"));
        assert!(p.require("b").unwrap_err().contains("`b`"));
        assert!(Params::parse(b"a=1&a=2").unwrap_err().contains("`a`"));
    }
}
