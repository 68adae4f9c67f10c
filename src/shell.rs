//! Command lines shown to people (the wizard's equivalent command, `verify`'s fix, a failed
//! run's repair commands): POSIX shell quoting, and the guardrail and CORS flags as `create` takes them.

use crate::plan::cors::DEFAULT_ORIGIN;
use crate::plan::Guardrails;

/// Quote for a POSIX shell, only when needed.
pub(crate) fn quote(s: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "-_./:=@,+%".contains(c);
    if !s.is_empty() && s.chars().all(plain) {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// `NAME VALUE`, the value quoted when needed.
pub(crate) fn flag(name: &str, value: &str) -> String {
    format!("{name} {}", quote(value))
}

/// `--path`, `--permissions-boundary`, `--tag`, `--max-session-duration` as given.
pub(crate) fn guardrail_flags(g: &Guardrails) -> Vec<String> {
    let mut flags = Vec::new();
    if let Some(path) = &g.path {
        flags.push(flag("--path", path));
    }
    if let Some(arn) = &g.permissions_boundary {
        flags.push(flag("--permissions-boundary", arn));
    }
    for (key, value) in &g.tags {
        flags.push(flag("--tag", &format!("{key}={value}")));
    }
    if let Some(seconds) = g.max_session_duration {
        flags.push(flag("--max-session-duration", &seconds.to_string()));
    }
    flags
}

/// `--cors`, or a `--cors-origin` for each origin when they are not just the default.
pub(crate) fn cors_flags(origins: Option<&[String]>) -> Vec<String> {
    match origins {
        None => Vec::new(),
        Some([only]) if only == DEFAULT_ORIGIN => vec!["--cors".to_string()],
        Some(origins) => origins.iter().map(|o| flag("--cors-origin", o)).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_only_when_needed() {
        assert_eq!(quote("my-data/raw"), "my-data/raw");
        assert_eq!(quote("a b"), "'a b'");
        assert_eq!(quote("it's"), r"'it'\''s'");
        assert_eq!(quote(""), "''");
    }

    #[test]
    fn cors_as_flags() {
        assert!(cors_flags(None).is_empty());
        assert_eq!(cors_flags(Some(&[DEFAULT_ORIGIN.into()])), ["--cors"]);
        let two = [DEFAULT_ORIGIN.to_string(), "https://a.example".into()];
        assert_eq!(
            cors_flags(Some(&two)),
            [
                "--cors-origin '*.activeloop.ai'",
                "--cors-origin https://a.example"
            ]
        );
    }

    #[test]
    fn guardrails_as_flags() {
        let g = Guardrails {
            path: Some("/deeplake/".into()),
            permissions_boundary: None,
            tags: vec![("team".into(), "data eng".into())],
            max_session_duration: Some(7200),
        };
        assert_eq!(
            guardrail_flags(&g),
            [
                "--path /deeplake/",
                "--tag 'team=data eng'",
                "--max-session-duration 7200"
            ]
        );
    }
}
