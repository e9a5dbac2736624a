//! Names a TLS failure from the error chain of a failed AmplifyBackend call, so the outcome line
//! says `class=tls tls_error=UnknownIssuer` instead of a bare `class=io`. Only a fixed name per
//! rustls error kind is ever produced: no certificate bytes, names or server text.

use std::error::Error;

/// The rustls error kind behind `err`, if a TLS handshake is what failed.
pub(crate) fn tls_error_kind(err: &(dyn Error + 'static)) -> Option<&'static str> {
    let mut current = Some(err);
    while let Some(err) = current {
        if let Some(kind) = rustls_error(err) {
            return Some(kind);
        }
        // io::Error's `source()` skips the error it wraps (it returns the wrapped error's own
        // source), and the TLS connector hands rustls's error up inside io::Errors (two, today):
        // look inside each.
        let mut wrapped = err;
        while let Some(inner) = wrapped
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
        {
            let inner: &(dyn Error + 'static) = inner;
            if let Some(kind) = rustls_error(inner) {
                return Some(kind);
            }
            wrapped = inner;
        }
        current = err.source();
    }
    None
}

fn rustls_error(err: &(dyn Error + 'static)) -> Option<&'static str> {
    use rustls::{CertificateError as Cert, Error as Tls};
    let tls = err.downcast_ref::<Tls>()?;
    Some(match tls {
        Tls::InvalidCertificate(cert) => match cert {
            Cert::UnknownIssuer => "UnknownIssuer",
            Cert::BadSignature => "BadSignature",
            Cert::Expired | Cert::ExpiredContext { .. } => "Expired",
            Cert::NotValidYet | Cert::NotValidYetContext { .. } => "NotValidYet",
            Cert::Revoked => "Revoked",
            Cert::NotValidForName | Cert::NotValidForNameContext { .. } => "NotValidForName",
            Cert::InvalidPurpose | Cert::InvalidPurposeContext { .. } => "InvalidPurpose",
            Cert::BadEncoding => "BadEncoding",
            Cert::UnhandledCriticalExtension => "UnhandledCriticalExtension",
            _ => "InvalidCertificate",
        },
        Tls::AlertReceived(_) => "AlertReceived",
        Tls::NoCertificatesPresented => "NoCertificatesPresented",
        Tls::InvalidMessage(_) => "InvalidMessage",
        Tls::PeerIncompatible(_) => "PeerIncompatible",
        Tls::PeerMisbehaved(_) => "PeerMisbehaved",
        Tls::UnsupportedNameType => "UnsupportedNameType",
        _ => "Other",
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Wrapper(Box<dyn Error + Send + Sync>);
    impl std::fmt::Display for Wrapper {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("connector error")
        }
    }
    impl Error for Wrapper {
        fn source(&self) -> Option<&(dyn Error + 'static)> {
            Some(self.0.as_ref())
        }
    }

    #[test]
    fn a_rustls_error_inside_an_io_error_is_named() {
        let io = std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer),
        );
        let chain = Wrapper(Box::new(io));
        assert_eq!(tls_error_kind(&chain), Some("UnknownIssuer"));
        // As the connector reports it: an io::Error inside an io::Error.
        let twice = std::io::Error::other(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            rustls::Error::InvalidCertificate(rustls::CertificateError::BadSignature),
        ));
        assert_eq!(
            tls_error_kind(&Wrapper(Box::new(twice))),
            Some("BadSignature")
        );
        let expired = Wrapper(Box::new(rustls::Error::InvalidCertificate(
            rustls::CertificateError::Expired,
        )));
        assert_eq!(tls_error_kind(&expired), Some("Expired"));
    }

    #[test]
    fn other_errors_are_not_tls() {
        let refused = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
        assert_eq!(tls_error_kind(&Wrapper(Box::new(refused))), None);
    }
}
