//! The one loader of the Cognito event fixtures under `tests/fixtures/`: each is a variant, so a
//! misspelled name does not compile, and each file is compiled in, so a missing one does not
//! either.

use serde_json::Value;

macro_rules! fixtures {
    ($($variant:ident => $file:literal,)+) => {
        /// A fixture under `tests/fixtures/`.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum Fixture {
            $($variant,)+
        }

        impl Fixture {
            /// Every fixture, in file-name order.
            pub const ALL: &'static [Fixture] = &[$(Fixture::$variant,)+];

            /// Its file name under `tests/fixtures/`.
            pub fn file_name(self) -> &'static str {
                match self {
                    $(Fixture::$variant => $file,)+
                }
            }

            /// Its JSON text, as the file holds it.
            pub fn text(self) -> &'static str {
                match self {
                    $(Fixture::$variant => include_str!(concat!("../../../../tests/fixtures/", $file)),)+
                }
            }
        }
    };
}

fixtures! {
    CreateFirstCall => "create-first-call.json",
    CreateSecondCall => "create-second-call.json",
    CustomMessageForgotPassword => "custom-message-forgot-password.json",
    CustomMessageInviteApplinkOnly => "custom-message-invite-applink-only.json",
    CustomMessageInviteHostile => "custom-message-invite-hostile.json",
    CustomMessageInviteMetadataAbsent => "custom-message-invite-metadata-absent.json",
    CustomMessageInviteNoMetadata => "custom-message-invite-no-metadata.json",
    CustomMessageInvite => "custom-message-invite.json",
    CustomMessageSignup => "custom-message-signup.json",
    CustomMessageUnknownSource => "custom-message-unknown-source.json",
    DefineCorrectAnswer => "define-correct-answer.json",
    DefineFirstCall => "define-first-call.json",
    DefineNullEntry => "define-null-entry.json",
    DefineOneWrong => "define-one-wrong.json",
    DefinePasswordVerifier => "define-password-verifier.json",
    DefineSessionAbsent => "define-session-absent.json",
    DefineSessionNull => "define-session-null.json",
    DefineThreeWrong => "define-three-wrong.json",
    DefineUserNotFound => "define-user-not-found.json",
    VerifyAnswer => "verify-answer.json",
    VerifyMinistack => "verify-ministack.json",
    VerifyNoClientMetadata => "verify-no-client-metadata.json",
    VerifyNonStringAnswer => "verify-non-string-answer.json",
    VerifyNullAnswer => "verify-null-answer.json",
    VerifyPartialMetadata => "verify-partial-metadata.json",
}

impl Fixture {
    /// The fixture as JSON. Panics naming the file when it is not JSON (the test below parses
    /// every one, so a broken fixture fails there first).
    pub fn event(self) -> Value {
        serde_json::from_str(self.text())
            .unwrap_or_else(|err| panic!("tests/fixtures/{}: {err}", self.file_name()))
    }
}

/// Its file name, as test messages name it.
impl std::fmt::Display for Fixture {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.file_name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_fixture_parses_as_an_event_object() {
        for fixture in Fixture::ALL {
            assert!(fixture.event().is_object(), "{fixture:?}");
        }
    }

    /// Every file under tests/fixtures/ has its variant: a new fixture cannot be forgotten.
    #[test]
    fn every_file_has_a_variant() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures");
        let mut files: Vec<String> = std::fs::read_dir(dir)
            .unwrap_or_else(|err| panic!("{dir}: {err}"))
            .filter_map(|entry| entry.ok())
            .map(|entry| entry.file_name().to_string_lossy().into_owned())
            .filter(|name| name.ends_with(".json"))
            .collect();
        files.sort();
        let named: Vec<&str> = Fixture::ALL.iter().map(|f| f.file_name()).collect();
        assert_eq!(files, named);
    }
}
