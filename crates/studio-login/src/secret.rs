use subtle::ConstantTimeEq;

/// A challenge code. It never prints: `Debug` is redacted so it cannot reach a log by accident.
#[derive(Clone, PartialEq, Eq)]
pub struct ChallengeCode(String);

impl ChallengeCode {
    pub fn new(code: impl Into<String>) -> Self {
        Self(code.into())
    }

    /// Constant-time equality with the user's answer. Only the length can leak, and every code
    /// AmplifyBackend mints has the same length.
    pub fn matches(&self, answer: &str) -> bool {
        !self.0.is_empty() && bool::from(self.0.as_bytes().ct_eq(answer.as_bytes()))
    }
}

impl std::fmt::Debug for ChallengeCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ChallengeCode(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_only_the_exact_code() {
        let code = ChallengeCode::new("123456");
        assert!(code.matches("123456"));
        assert!(!code.matches("123457"));
        assert!(!code.matches("12345"));
        assert!(!code.matches("1234567"));
        assert!(!code.matches(""));
    }

    #[test]
    fn an_empty_code_matches_nothing() {
        assert!(!ChallengeCode::new("").matches(""));
    }

    #[test]
    fn debug_is_redacted() {
        assert_eq!(
            format!("{:?}", ChallengeCode::new("s3cr3t")),
            "ChallengeCode(<redacted>)"
        );
    }
}
