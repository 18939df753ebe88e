//! Scrubbing credentials out of text that leaves the process: error
//! messages from the HTTP stack and from Okta end up in tool results and
//! logs, and a URL or form body in them can carry a token.

/// Removes anything that looks like a credential from a message.
pub fn redact(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text.split_inclusive(char::is_whitespace) {
        let lower = word.to_ascii_lowercase();
        if lower.contains("access_token=")
            || lower.contains("client_assertion=")
            || lower.contains("refresh_token=")
        {
            out.push_str("[redacted] ");
        } else {
            out.push_str(word);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_credentials_in_messages() {
        assert_eq!(
            redact("failed access_token=abc def"),
            "failed [redacted] def"
        );
    }
}
