//! Limits on what people type, checked once at the edge.

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    #[error("{field} must not be empty")]
    Empty { field: &'static str },
    #[error("{field} is too long: at most {max} characters")]
    TooLong { field: &'static str, max: usize },
    #[error("{field} contains control characters")]
    Control { field: &'static str },
}

/// A one-line subject: trimmed, 1..=200 characters, no control characters.
pub fn subject(raw: &str) -> Result<String, TextError> {
    let s = raw.trim();
    check(s, "subject", 200)?;
    if s.chars().any(char::is_control) {
        return Err(TextError::Control { field: "subject" });
    }
    Ok(s.to_owned())
}

/// The longest body (description, message, note), in characters.
pub const MAX_BODY_CHARS: usize = 50_000;

/// A multi-line body (description, message, note): trimmed, at most
/// [`MAX_BODY_CHARS`] characters; tabs and newlines are kept, other control
/// characters refused.
pub fn body(field: &'static str, raw: &str) -> Result<String, TextError> {
    let s = raw.trim();
    check(s, field, MAX_BODY_CHARS)?;
    if s.chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(TextError::Control { field });
    }
    Ok(s.replace("\r\n", "\n"))
}

fn check(s: &str, field: &'static str, max: usize) -> Result<(), TextError> {
    if s.is_empty() {
        return Err(TextError::Empty { field });
    }
    if s.chars().count() > max {
        return Err(TextError::TooLong { field, max });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects() {
        assert_eq!(
            subject("  Hotel search fails ").unwrap(),
            "Hotel search fails"
        );
        assert!(matches!(subject("   "), Err(TextError::Empty { .. })));
        assert!(matches!(subject("a\u{0}b"), Err(TextError::Control { .. })));
        assert!(matches!(
            subject(&"x".repeat(201)),
            Err(TextError::TooLong { .. })
        ));
    }

    #[test]
    fn bodies_keep_lines() {
        assert_eq!(
            body("body", "line 1\r\nline 2\t").unwrap(),
            "line 1\nline 2"
        );
        assert!(body("body", "bell\u{7}").is_err());
    }
}
