//! custom-message: the Amplify Studio invitation email.
//!
//! Only `CustomMessage_AdminCreateUser` is rewritten; every other trigger source (including ones
//! Cognito adds later) is returned exactly as received, so Cognito sends its default message.

use std::collections::HashMap;
use std::fmt::Write as _;

use aws_lambda_events::event::cognito::{
    CognitoEventUserPoolsCustomMessage as CustomMessageEvent,
    CognitoEventUserPoolsCustomMessageResponse as CustomMessageResponse,
};
use lambda_runtime::{Error, LambdaEvent};
use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
use serde_json::Value;
use studio_login::event::{decode, is_heartbeat, respond};

pub const ADMIN_CREATE_USER: &str = "CustomMessage_AdminCreateUser";
/// The probe line's `heartbeat` value when the invitation was built.
pub const HEARTBEAT_HEALTHY: &str = "invitation_built";
pub const EMAIL_SUBJECT: &str = "Welcome to Amplify Studio | Your temporary account details";
/// Cognito replaces these in the message; AdminCreateUser messages must contain both.
pub const USERNAME_PLACEHOLDER: &str = "{username}";
pub const CODE_PLACEHOLDER: &str = "{####}";
/// The original's fallback when the app name has fewer than 3 usable characters.
pub const DEFAULT_APP_NAME: &str = "amplify";
/// Where an invitation may send a person (with a temporary password in hand): Studio and the
/// AWS console, each domain with its subdomains. Any other `appLink` is left out of the email.
pub const LINK_DOMAINS: &[&str] = &["amplifyapp.com", "console.aws.amazon.com"];

/// What the console passes in `clientMetadata` when it invites a team member.
#[derive(Debug, Default, Clone, Copy)]
pub struct Invite<'a> {
    pub app_id: Option<&'a str>,
    pub app_name: Option<&'a str>,
    pub app_link: Option<&'a str>,
    pub region: Option<&'a str>,
    pub environment: Option<&'a str>,
}

impl<'a> Invite<'a> {
    pub fn from_metadata(metadata: &'a HashMap<String, String>) -> Self {
        let get = |key: &str| {
            metadata
                .get(key)
                .map(String::as_str)
                .filter(|v| !v.trim().is_empty())
        };
        Invite {
            app_id: get("appId"),
            app_name: get("appName"),
            app_link: get("appLink"),
            region: get("region"),
            environment: get("environment"),
        }
    }

    /// Letters and digits only; `amplify` when fewer than 3 remain (as the original).
    pub fn display_name(&self) -> String {
        let name: String = self
            .app_name
            .unwrap_or_default()
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .collect();
        if name.len() < 3 {
            DEFAULT_APP_NAME.to_string()
        } else {
            name
        }
    }

    /// Studio's login URL when region and environment are known (and the region looks like
    /// one), else the console's `appLink` if it is a plain https URL on [`LINK_DOMAINS`], else
    /// none — never `undefined`, never a `javascript:` link, never another host.
    pub fn link(&self) -> Option<String> {
        if let (Some(region), Some(environment)) = (self.region, self.environment) {
            if is_region(region) {
                let encode = |v: &str| utf8_percent_encode(v, NON_ALPHANUMERIC).to_string();
                return Some(format!(
                    "https://{region}.admin.amplifyapp.com/admin/login?appId={}&backendEnvironmentName={}",
                    encode(self.app_id.unwrap_or_default()),
                    encode(environment)
                ));
            }
        }
        self.app_link
            .filter(|link| is_studio_link(link))
            .map(str::to_string)
    }
}

/// `https://<host>[/…|?…|#…]`, printable ASCII only, where the host is lower-case letters,
/// digits, `-` and `.` (so no userinfo `@`, no port, no `\\`), with no empty label, and is one of
/// [`LINK_DOMAINS`] or a subdomain of one. Anything outside that grammar is refused.
pub fn is_studio_link(link: &str) -> bool {
    let Some(rest) = link.strip_prefix("https://") else {
        return false;
    };
    let host = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
    let host_is_plain = host
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.')
        && !host.split('.').any(str::is_empty);
    let host_is_allowed = LINK_DOMAINS.iter().any(|domain| {
        host == *domain
            || host
                .strip_suffix(domain)
                .is_some_and(|sub| sub.ends_with('.'))
    });
    host_is_plain
        && host_is_allowed
        && !link.contains('\\')
        && link.bytes().all(|b| (0x21..=0x7e).contains(&b))
}

fn is_region(region: &str) -> bool {
    region.len() <= 32
        && region.contains('-')
        && region
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// Unicode control (Cc) and format (Cf) characters: invisible, and some reorder what a reader
/// sees (U+202E RIGHT-TO-LEFT OVERRIDE turns `moc.elpmaxe` into `example.com`).
pub fn is_control_or_format(c: char) -> bool {
    c.is_control()
        || matches!(c as u32,
            0xAD | 0x600..=0x605 | 0x61C | 0x6DD | 0x70F | 0x890..=0x891 | 0x8E2 | 0x180E
            | 0x200B..=0x200F | 0x202A..=0x202E | 0x2060..=0x2064 | 0x2066..=0x206F | 0xFEFF
            | 0xFFF9..=0xFFFB | 0x110BD | 0x110CD | 0x13430..=0x1343F | 0x1BCA0..=0x1BCA3
            | 0x1D173..=0x1D17A | 0xE0001 | 0xE0020..=0xE007F)
}

/// Escape text for HTML element content and double-quoted attributes, dropping control and
/// format characters.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            c if is_control_or_format(c) => {}
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// The invitation: greeting, project, username (mailto), temporary password, Studio link.
pub fn invite_email(invite: &Invite<'_>) -> String {
    let project = match invite.app_id {
        Some(app_id) => format!("{} ({})", invite.display_name(), escape_html(app_id)),
        None => invite.display_name(),
    };
    let (user, code) = (USERNAME_PLACEHOLDER, CODE_PLACEHOLDER);
    let mut html = String::with_capacity(1024);
    html.push_str("<html><body>\n<p>Hello,</p>\n");
    let _ = writeln!(
        html,
        "<p>You have been invited to join the project <b>{project}</b> in Amplify Studio.</p>"
    );
    html.push_str("<p>Sign in with these temporary credentials:</p>\n");
    let _ = writeln!(
        html,
        "<p>Username: <a href=\"mailto:{user}\">{user}</a><br>"
    );
    let _ = writeln!(html, "Temporary password: <b>{code}</b></p>");
    match invite.link() {
        Some(link) => {
            let _ = writeln!(
                html,
                "<p><a href=\"{}\">Visit the Amplify Studio</a></p>",
                escape_html(&link)
            );
        }
        None => {
            html.push_str("<p>Open Amplify Studio from your app in the AWS Amplify console.</p>\n")
        }
    }
    html.push_str("<p>You will be asked to choose a new password the first time you sign in.</p>\n</body></html>\n");
    html
}

pub async fn function_handler(event: LambdaEvent<Value>) -> Result<Value, Error> {
    let payload = event.payload;
    let trigger_source = payload.get("triggerSource").and_then(Value::as_str);
    if trigger_source != Some(ADMIN_CREATE_USER) {
        tracing::info!(
            trigger_source,
            "not an invitation: passing through unchanged"
        );
        return Ok(payload);
    }
    let message: CustomMessageEvent = decode("custom-message", &payload)?;
    let invite = Invite::from_metadata(&message.request.client_metadata);
    let mut response = CustomMessageResponse::default();
    response.email_subject = Some(EMAIL_SUBJECT.to_string());
    response.email_message = Some(invite_email(&invite));
    let app_id = studio_login::logging::app_id();
    if is_heartbeat(&message.cognito_event_user_pools_header.caller_context) {
        // The stack's scheduled probe: not an invitation, so InvitationsSent never counts it.
        tracing::info!(
            heartbeat = HEARTBEAT_HEALTHY,
            trigger = "custom-message",
            app_id,
            "heartbeat probe"
        );
    } else {
        tracing::info!(
            app_id,
            invite_app_id = invite.app_id,
            has_link = invite.link().is_some(),
            "wrote Studio invitation"
        );
    }
    Ok(respond(payload, &response)?)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use studio_login::test_support::Fixture;

    async fn run(payload: Value) -> Value {
        function_handler(LambdaEvent::new(payload, Default::default()))
            .await
            .unwrap()
    }

    fn email(out: &Value) -> &str {
        out["response"]["emailMessage"]
            .as_str()
            .expect("emailMessage")
    }

    #[tokio::test]
    async fn invitation_has_subject_project_credentials_and_studio_link() {
        let out = run(Fixture::CustomMessageInvite.event()).await;
        assert_eq!(out["response"]["emailSubject"], EMAIL_SUBJECT);
        assert_eq!(out["response"]["smsMessage"], Value::Null);
        let html = email(&out);
        assert!(html.contains("<b>MyShopApp (d1a2b3c4d5e6f7)</b>"), "{html}");
        assert!(
            html.contains("<a href=\"mailto:{username}\">{username}</a>"),
            "{html}"
        );
        assert!(html.contains("Temporary password: <b>{####}</b>"), "{html}");
        assert!(html.contains(
            "<a href=\"https://us-east-1.admin.amplifyapp.com/admin/login?appId=d1a2b3c4d5e6f7&amp;backendEnvironmentName=staging\">Visit the Amplify Studio</a>"
        ), "{html}");
    }

    #[tokio::test]
    async fn app_link_is_used_without_region_and_short_names_become_amplify() {
        let out = run(Fixture::CustomMessageInviteApplinkOnly.event()).await;
        let html = email(&out);
        assert!(html.contains("<b>amplify (d1a2b3c4d5e6f7)</b>"), "{html}");
        assert!(html.contains("href=\"https://eu-west-1.admin.amplifyapp.com/admin/login?appId=d1a2b3c4d5e6f7&amp;backendEnvironmentName=dev\""), "{html}");
    }

    #[tokio::test]
    async fn no_metadata_still_gives_a_valid_invitation_without_undefined() {
        for name in [
            Fixture::CustomMessageInviteNoMetadata,
            Fixture::CustomMessageInviteMetadataAbsent,
        ] {
            let out = run(name.event()).await;
            let html = email(&out);
            assert!(
                html.contains(USERNAME_PLACEHOLDER) && html.contains(CODE_PLACEHOLDER),
                "{name}"
            );
            assert!(
                !html.contains("undefined") && !html.contains("href=\"\""),
                "{name}: {html}"
            );
            assert!(html.contains("<b>amplify</b>"), "{name}: {html}");
        }
    }

    #[tokio::test]
    async fn hostile_metadata_is_escaped_and_script_links_dropped() {
        let out = run(Fixture::CustomMessageInviteHostile.event()).await;
        let html = email(&out);
        assert!(
            !html.contains("<script") && !html.contains("<img") && !html.contains("<i>"),
            "{html}"
        );
        assert!(!html.to_ascii_lowercase().contains("javascript:"), "{html}");
        assert!(
            html.contains("&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"),
            "{html}"
        );
        assert!(html.contains("<b>imgsrcxonerroralert1"), "{html}");
    }

    #[tokio::test]
    async fn other_sources_pass_through_byte_for_byte() {
        for name in [
            Fixture::CustomMessageSignup,
            Fixture::CustomMessageForgotPassword,
            Fixture::CustomMessageUnknownSource,
        ] {
            let input = name.event();
            assert_eq!(run(input.clone()).await, input, "{name}");
        }
        let odd = json!({"triggerSource": 42});
        assert_eq!(run(odd.clone()).await, odd);
    }

    #[test]
    fn escape_covers_the_five_characters() {
        assert_eq!(
            escape_html(r#"<a href="x" onclick='y'>&</a>"#),
            "&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&lt;/a&gt;"
        );
    }

    #[test]
    fn only_plain_https_links_to_studio_or_the_console_are_kept() {
        for good in [
            "https://amplifyapp.com",
            "https://eu-west-1.admin.amplifyapp.com/admin/login?appId=d1&backendEnvironmentName=dev",
            "https://us-east-1.console.aws.amazon.com/amplify/home?region=us-east-1#/d1",
            "https://console.aws.amazon.com/amplify/",
        ] {
            assert!(is_studio_link(good), "{good}");
        }
        for bad in [
            "http://eu-west-1.admin.amplifyapp.com/",       // not https
            "https://amplifyapp.com.evil.example/",         // suffix trick
            "https://console.aws.amazon.com@evil.example/", // userinfo
            "https://evil.example/https://console.aws.amazon.com/", // allowed host in the path
            "https://evilamplifyapp.com/",                  // not a subdomain
            "https://console.aws.amazon.com:8443/",         // port
            "https://console.aws.amazon.com\\@evil.example/", // backslash
            "https://x..amplifyapp.com/",                   // empty label
            "https://CONSOLE.aws.amazon.com/",              // not lower-case
            "https://console.aws.amazon.com/a b",           // space
            "https://console.aws.amazon.com/\u{202e}moc",   // format character
            "javascript:alert(1)",
            "",
        ] {
            assert!(!is_studio_link(bad), "{bad}");
            let invite = Invite {
                app_link: Some(bad),
                ..Invite::default()
            };
            assert_eq!(invite.link(), None, "{bad}");
        }
    }

    #[test]
    fn a_region_that_is_not_one_never_moves_the_link_to_another_host() {
        for region in [
            "evil.example/",
            "us-east-1.evil.example#",
            "US-EAST-1",
            "useast1",
            "",
        ] {
            let invite = Invite {
                app_id: Some("d1"),
                region: Some(region),
                environment: Some("dev"),
                ..Invite::default()
            };
            assert_eq!(invite.link(), None, "{region:?}");
        }
        let fine = Invite {
            app_id: Some("d1"),
            region: Some("ap-southeast-2"),
            environment: Some("dev"),
            ..Invite::default()
        };
        assert!(fine
            .link()
            .is_some_and(|l| l.starts_with("https://ap-southeast-2.admin.amplifyapp.com/")));
    }

    #[test]
    fn control_and_format_characters_are_stripped() {
        assert_eq!(escape_html("a\u{202e}b\u{200b}c\u{0007}d\u{feff}"), "abcd");
        let invite = Invite {
            app_id: Some("d1\u{202e}3e2"),
            ..Invite::default()
        };
        assert!(invite_email(&invite).contains("(d13e2)"));
    }

    #[test]
    fn environment_and_app_id_are_percent_encoded_in_the_link() {
        let invite = Invite {
            app_id: Some("a b"),
            region: Some("us-west-2"),
            environment: Some("dev&x=1"),
            ..Invite::default()
        };
        assert_eq!(
            invite.link().as_deref(),
            Some("https://us-west-2.admin.amplifyapp.com/admin/login?appId=a%20b&backendEnvironmentName=dev%26x%3D1")
        );
    }
}
