//! A request, parsed once: which operation, for which app and session.

use hyper::Method;
use percent_encoding::percent_decode_str;

use crate::Operation;

/// One AmplifyBackend call, its path labels percent-decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Call {
    Create { app_id: String },
    Get { app_id: String, session_id: String },
    Delete { app_id: String, session_id: String },
}

/// What a request asks for.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Route<'a> {
    /// An AmplifyBackend operation.
    Call(Call),
    /// A test hook under `/_local/`; the segments after it.
    Local(Vec<&'a str>),
    /// Nothing this service knows.
    Unknown,
}

impl<'a> Route<'a> {
    pub(crate) fn parse(method: &Method, path: &'a str) -> Self {
        let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        if segments.first() == Some(&"_local") {
            return Route::Local(segments[1..].to_vec());
        }
        let call = match (method, segments.as_slice()) {
            (&Method::POST, ["backend", app, "challenge"]) => Call::Create {
                app_id: decode(app),
            },
            (&Method::GET, ["backend", app, "challenge", session]) => Call::Get {
                app_id: decode(app),
                session_id: decode(session),
            },
            (&Method::POST, ["backend", app, "challenge", session, "remove"]) => Call::Delete {
                app_id: decode(app),
                session_id: decode(session),
            },
            _ => return Route::Unknown,
        };
        Route::Call(call)
    }
}

impl Call {
    pub(crate) fn operation(&self) -> Operation {
        match self {
            Call::Create { .. } => Operation::CreateToken,
            Call::Get { .. } => Operation::GetToken,
            Call::Delete { .. } => Operation::DeleteToken,
        }
    }

    /// AWS refuses a call whose app or session label is empty.
    pub(crate) fn has_empty_label(&self) -> bool {
        match self {
            Call::Create { app_id } => app_id.is_empty(),
            Call::Get { app_id, session_id } | Call::Delete { app_id, session_id } => {
                app_id.is_empty() || session_id.is_empty()
            }
        }
    }
}

/// Path labels arrive percent-encoded; a malformed escape stays as it is.
pub(crate) fn decode(label: &str) -> String {
    percent_decode_str(label).decode_utf8_lossy().into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_decoding_of_labels() {
        assert_eq!(decode("a%20b%2Fc"), "a b/c");
        assert_eq!(decode("100%"), "100%");
        assert_eq!(decode("%zz"), "%zz");
    }

    #[test]
    fn requests_parse_into_calls() {
        assert_eq!(
            Route::parse(&Method::GET, "/backend/a%20b/challenge/s1"),
            Route::Call(Call::Get {
                app_id: "a b".into(),
                session_id: "s1".into()
            })
        );
        assert_eq!(
            Route::parse(&Method::POST, "/backend/app/challenge"),
            Route::Call(Call::Create {
                app_id: "app".into()
            })
        );
        assert_eq!(
            Route::parse(&Method::POST, "/backend/app/challenge/s1/remove"),
            Route::Call(Call::Delete {
                app_id: "app".into(),
                session_id: "s1".into()
            })
        );
        assert_eq!(
            Route::parse(&Method::GET, "/_local/stats"),
            Route::Local(vec!["stats"])
        );
        assert_eq!(
            Route::parse(&Method::DELETE, "/backend/app/challenge/s1"),
            Route::Unknown
        );
        assert!(Call::Get {
            app_id: "a".into(),
            session_id: String::new()
        }
        .has_empty_label());
    }
}
