//! The small expression language of Okta's `filter` and `search` parameters.
//!
//! Supports `attr op "value"` with `eq ne sw co ew gt ge lt le`, `attr pr`, `and`, `or`,
//! `not (...)` and parentheses, e.g. `status eq "ACTIVE" and profile.login sw "ava"`.
//! String comparison ignores case, as Okta's does. Anything else is a parse error, which
//! the API turns into 400 E0000031.

use serde_json::Value;

/// A parsed expression, ready to test JSON objects.
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    And(Box<Filter>, Box<Filter>),
    Or(Box<Filter>, Box<Filter>),
    Not(Box<Filter>),
    Present(String),
    Compare(String, Op, Value),
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Op {
    Eq,
    Ne,
    Sw,
    Co,
    Ew,
    Gt,
    Ge,
    Lt,
    Le,
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Word(String),
    Literal(Value),
    Open,
    Close,
}

impl Filter {
    /// Parses an expression; the error says what was wrong.
    pub fn parse(text: &str) -> Result<Filter, String> {
        let tokens = tokenize(text)?;
        let mut parser = Parser { tokens, pos: 0 };
        let filter = parser.or_expr()?;
        match parser.tokens.get(parser.pos) {
            None => Ok(filter),
            Some(t) => Err(format!("unexpected {t:?} at token {}", parser.pos)),
        }
    }

    /// Whether `object` satisfies the expression.
    pub fn matches(&self, object: &Value) -> bool {
        match self {
            Filter::And(a, b) => a.matches(object) && b.matches(object),
            Filter::Or(a, b) => a.matches(object) || b.matches(object),
            Filter::Not(a) => !a.matches(object),
            Filter::Present(path) => lookup(object, path).is_some_and(|v| !v.is_null()),
            Filter::Compare(path, op, wanted) => {
                compare(lookup(object, path).unwrap_or(&Value::Null), *op, wanted)
            }
        }
    }
}

/// Follows a dotted path (`profile.login`) into a JSON object.
pub fn lookup<'a>(object: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(object, |v, key| v.get(key))
}

fn compare(actual: &Value, op: Op, wanted: &Value) -> bool {
    if let (Some(a), Some(w)) = (actual.as_f64(), wanted.as_f64()) {
        return match op {
            Op::Eq => a == w,
            Op::Ne => a != w,
            Op::Gt => a > w,
            Op::Ge => a >= w,
            Op::Lt => a < w,
            Op::Le => a <= w,
            Op::Sw | Op::Co | Op::Ew => false,
        };
    }
    let a = text_of(actual).to_lowercase();
    let w = text_of(wanted).to_lowercase();
    match op {
        Op::Eq => a == w,
        Op::Ne => a != w,
        Op::Sw => a.starts_with(&w),
        Op::Co => a.contains(&w),
        Op::Ew => a.ends_with(&w),
        Op::Gt => a > w,
        Op::Ge => a >= w,
        Op::Lt => a < w,
        Op::Le => a <= w,
    }
}

fn text_of(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn tokenize(text: &str) -> Result<Vec<Token>, String> {
    let mut tokens = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(&c) = chars.peek() {
        match c {
            _ if c.is_whitespace() => {
                chars.next();
            }
            '(' => {
                chars.next();
                tokens.push(Token::Open);
            }
            ')' => {
                chars.next();
                tokens.push(Token::Close);
            }
            '"' => {
                chars.next();
                let mut s = String::new();
                loop {
                    match chars.next() {
                        None => return Err("unterminated string".into()),
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(escaped) => s.push(escaped),
                            None => return Err("dangling escape".into()),
                        },
                        Some(other) => s.push(other),
                    }
                }
                tokens.push(Token::Literal(Value::String(s)));
            }
            _ if c.is_alphanumeric() || "._-:+".contains(c) => {
                let mut word = String::new();
                while let Some(&c) = chars.peek() {
                    if c.is_alphanumeric() || "._-:+".contains(c) {
                        word.push(c);
                        chars.next();
                    } else {
                        break;
                    }
                }
                tokens.push(Token::Word(word));
            }
            other => return Err(format!("unexpected character {other:?}")),
        }
    }
    Ok(tokens)
}

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
}

impl Parser {
    fn next(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.pos).cloned();
        self.pos += 1;
        token
    }

    fn peek_word(&self, word: &str) -> bool {
        matches!(self.tokens.get(self.pos), Some(Token::Word(w)) if w.eq_ignore_ascii_case(word))
    }

    fn or_expr(&mut self) -> Result<Filter, String> {
        let mut left = self.and_expr()?;
        while self.peek_word("or") {
            self.pos += 1;
            left = Filter::Or(Box::new(left), Box::new(self.and_expr()?));
        }
        Ok(left)
    }

    fn and_expr(&mut self) -> Result<Filter, String> {
        let mut left = self.unary()?;
        while self.peek_word("and") {
            self.pos += 1;
            left = Filter::And(Box::new(left), Box::new(self.unary()?));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Filter, String> {
        if self.peek_word("not") {
            self.pos += 1;
            return Ok(Filter::Not(Box::new(self.unary()?)));
        }
        match self.next() {
            Some(Token::Open) => {
                let inner = self.or_expr()?;
                match self.next() {
                    Some(Token::Close) => Ok(inner),
                    _ => Err("missing ')'".into()),
                }
            }
            Some(Token::Word(attr)) => self.comparison(attr),
            other => Err(format!("expected an attribute, found {other:?}")),
        }
    }

    fn comparison(&mut self, attr: String) -> Result<Filter, String> {
        let op = match self.next() {
            Some(Token::Word(op)) => op.to_ascii_lowercase(),
            other => {
                return Err(format!(
                    "expected an operator after {attr}, found {other:?}"
                ));
            }
        };
        let op = match op.as_str() {
            "pr" => return Ok(Filter::Present(attr)),
            "eq" => Op::Eq,
            "ne" => Op::Ne,
            "sw" => Op::Sw,
            "co" => Op::Co,
            "ew" => Op::Ew,
            "gt" => Op::Gt,
            "ge" => Op::Ge,
            "lt" => Op::Lt,
            "le" => Op::Le,
            other => return Err(format!("unknown operator {other:?}")),
        };
        let value = match self.next() {
            Some(Token::Literal(v)) => v,
            Some(Token::Word(w)) if w == "true" => Value::Bool(true),
            Some(Token::Word(w)) if w == "false" => Value::Bool(false),
            Some(Token::Word(w)) if w == "null" => Value::Null,
            Some(Token::Word(w)) => {
                match w.parse::<f64>().ok().and_then(serde_json::Number::from_f64) {
                    Some(n) => Value::Number(n),
                    None => return Err(format!("expected a quoted value, found {w:?}")),
                }
            }
            other => return Err(format!("expected a value, found {other:?}")),
        };
        Ok(Filter::Compare(attr, op, value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn user() -> Value {
        json!({"status": "ACTIVE", "profile": {"login": "Ava.Nguyen@example.com", "age": 30}})
    }

    #[test]
    fn simple_comparisons() {
        let u = user();
        assert!(Filter::parse(r#"status eq "ACTIVE""#).unwrap().matches(&u));
        assert!(
            !Filter::parse(r#"status eq "SUSPENDED""#)
                .unwrap()
                .matches(&u)
        );
        assert!(
            Filter::parse(r#"profile.login sw "ava.""#)
                .unwrap()
                .matches(&u)
        );
        assert!(
            Filter::parse(r#"profile.login eq "ava.nguyen@example.com""#)
                .unwrap()
                .matches(&u)
        );
        assert!(Filter::parse("profile.age gt 18").unwrap().matches(&u));
        assert!(Filter::parse("profile.login pr").unwrap().matches(&u));
        assert!(!Filter::parse("profile.missing pr").unwrap().matches(&u));
    }

    #[test]
    fn boolean_structure() {
        let u = user();
        let f = Filter::parse(
            r#"(status eq "STAGED" or status eq "ACTIVE") and not (profile.login ew ".org")"#,
        )
        .unwrap();
        assert!(f.matches(&u));
        let f = Filter::parse(r#"status eq "STAGED" or status eq "ACTIVE" and profile.age lt 10"#)
            .unwrap();
        assert!(!f.matches(&u), "and binds tighter than or");
    }

    #[test]
    fn escapes_in_strings() {
        let u = json!({"profile": {"nickName": "say \"hi\""}});
        assert!(
            Filter::parse(r#"profile.nickName eq "say \"hi\"""#)
                .unwrap()
                .matches(&u)
        );
    }

    #[test]
    fn rejects_garbage() {
        for bad in [
            "",
            "status",
            "status eq",
            r#"status eq "ACTIVE"#,
            r#"status is "ACTIVE""#,
            r#"(status eq "ACTIVE""#,
            r#"status eq "ACTIVE" and"#,
            "status eq ACTIVE",
            r#"status eq "A" ; drop"#,
        ] {
            assert!(Filter::parse(bad).is_err(), "{bad:?} should not parse");
        }
    }
}
