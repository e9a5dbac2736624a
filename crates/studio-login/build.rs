//! Writes Amazon Trust Services' roots, taken from Mozilla's store (`webpki-root-certs`), as one
//! PEM text into OUT_DIR: selecting and encoding them at start-up was ~15 % of a cold verify's
//! instructions (BENCHMARKS.md). A `webpki-root-certs` update still brings root changes.

use std::fmt::Write as _;

use base64::Engine as _;

#[path = "src/backend/root_names.rs"]
mod root_names;

fn main() {
    let mut pem = String::new();
    for root in root_names::AMAZON_TRUST_SERVICES_ROOTS {
        let matching: Vec<_> = webpki_root_certs::TLS_SERVER_ROOT_CERTS
            .iter()
            .filter(|cert| root_names::names(cert.as_ref(), root))
            .collect();
        // A root that left (or doubled in) Mozilla's store must stop the build, not be dropped.
        assert_eq!(
            matching.len(),
            1,
            "{root}: {} certificates in webpki-root-certs",
            matching.len()
        );
        let body = base64::engine::general_purpose::STANDARD.encode(matching[0].as_ref());
        pem.push_str("-----BEGIN CERTIFICATE-----\n");
        for line in body.as_bytes().chunks(64) {
            let _ = writeln!(pem, "{}", String::from_utf8_lossy(line));
        }
        pem.push_str("-----END CERTIFICATE-----\n");
    }
    let out = std::path::Path::new(&std::env::var_os("OUT_DIR").unwrap_or_default())
        .join("amazon_roots.pem");
    if let Err(err) = std::fs::write(&out, pem) {
        panic!("writing {}: {err}", out.display());
    }
    println!("cargo::rerun-if-changed=src/backend/root_names.rs");
}
