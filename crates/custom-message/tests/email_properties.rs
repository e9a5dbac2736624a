//! Properties of the invitation email for arbitrary console metadata: whatever the strings, the
//! message carries only our own markup, links only to https Studio/console hosts, no control or
//! format characters, and both Cognito placeholders.

use std::collections::HashMap;

use custom_message::{
    invite_email, is_control_or_format, is_studio_link, Invite, CODE_PLACEHOLDER,
    USERNAME_PLACEHOLDER,
};
use proptest::prelude::*;

const OUR_TAGS: &[&str] = &[
    "html", "/html", "body", "/body", "p", "/p", "b", "/b", "br", "/a",
];

/// Every `<...>` is one of our tags or `a href="…"` with a quote-free value.
fn markup_is_ours(html: &str) -> Result<(), String> {
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        let after = &rest[open + 1..];
        let close = after.find('>').ok_or("unclosed <")?;
        let tag = &after[..close];
        let is_link = tag
            .strip_prefix("a href=\"")
            .and_then(|v| v.strip_suffix('"'))
            .is_some_and(|value| !value.contains(['"', '<', '>']));
        if !(OUR_TAGS.contains(&tag) || is_link) {
            return Err(format!("foreign markup <{tag}>"));
        }
        rest = &after[close + 1..];
    }
    if rest.contains('>') {
        return Err("stray >".into());
    }
    Ok(())
}

fn metadata_value() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        Just(None),
        any::<String>().prop_map(Some),
        "[ -~]{0,40}".prop_map(Some),
        Just(Some("<script>alert(1)</script>".to_string())),
        Just(Some("javascript:alert(1)".to_string())),
        Just(Some("https://example.com/?a=1&b=\"2\"".to_string())),
        Just(Some("https://console.aws.amazon.com@evil.example/".to_string())),
        Just(Some("http://amplifyapp.com.evil.example/x".to_string())),
        Just(Some("https://us-east-1.console.aws.amazon.com/amplify/home?a=1&b=2".to_string())),
        "https://[a-z.@:\\\\-]{0,30}(amplifyapp\\.com|console\\.aws\\.amazon\\.com)[/?#@:.a-z]{0,10}".prop_map(Some),
        "[a-z0-9]{0,6}[\u{200b}-\u{200f}\u{202a}-\u{202e}\u{2066}-\u{2069}\u{0}-\u{1f}][a-z0-9]{0,6}".prop_map(Some),
        Just(Some("us-east-1".to_string())),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn invitation_is_safe_and_complete(
        app_id in metadata_value(),
        app_name in metadata_value(),
        app_link in metadata_value(),
        region in metadata_value(),
        environment in metadata_value(),
    ) {
        let mut metadata = HashMap::new();
        for (key, value) in [("appId", app_id), ("appName", app_name), ("appLink", app_link), ("region", region), ("environment", environment)] {
            if let Some(value) = value {
                metadata.insert(key.to_string(), value);
            }
        }
        let invite = Invite::from_metadata(&metadata);
        let html = invite_email(&invite);
        prop_assert!(html.contains(USERNAME_PLACEHOLDER) && html.contains(CODE_PLACEHOLDER));
        prop_assert!(markup_is_ours(&html).is_ok(), "{:?}\n{}", markup_is_ours(&html), html);
        let name = invite.display_name();
        prop_assert!(name.len() >= 3 && name.chars().all(|c| c.is_ascii_alphanumeric()));
        if let Some(link) = invite.link() {
            prop_assert!(is_studio_link(&link), "{}", link);
        }
        for link in html.split("<a href=\"").skip(1) {
            let link = &link[..link.find('"').unwrap_or(link.len())];
            let link = link.replace("&amp;", "&");
            prop_assert!(link.starts_with("mailto:") || is_studio_link(&link), "{}", link);
        }
        prop_assert!(!html.chars().any(|c| c != '\n' && is_control_or_format(c)), "{:?}", html);
        prop_assert!(!html.contains("undefined") || metadata.values().any(|v| v.contains("undefined")));
    }
}
