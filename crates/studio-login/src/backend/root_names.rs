//! Which of Mozilla's roots are trusted: shared by the library and its build script.

/// The roots AmplifyBackend's certificates chain to, in every region: Amazon Trust Services'
/// four roots, and the Starfield root that cross-signs them for older clients.
pub const AMAZON_TRUST_SERVICES_ROOTS: [&str; 5] = [
    "Amazon Root CA 1",
    "Amazon Root CA 2",
    "Amazon Root CA 3",
    "Amazon Root CA 4",
    "Starfield Services Root Certificate Authority - G2",
];

/// Whether a DER certificate names `root` (its subject's common name is in the DER as text).
pub fn names(der: &[u8], root: &str) -> bool {
    der.windows(root.len()).any(|w| w == root.as_bytes())
}
