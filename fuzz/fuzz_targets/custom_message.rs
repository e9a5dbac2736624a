#![no_main]
use libfuzzer_sys::fuzz_target;
use studio_login::test_support::Fixture;
use studio_login_fuzz::{block_on, event_from, lambda};

fuzz_target!(|data: &[u8]| {
    let Some(event) = event_from(data, Fixture::CustomMessageInvite.text()) else {
        return;
    };
    let is_invite = event.get("triggerSource").and_then(|s| s.as_str())
        == Some(custom_message::ADMIN_CREATE_USER);
    match block_on(custom_message::function_handler(lambda(event.clone()))) {
        Ok(out) if is_invite => {
            let html = out["response"]["emailMessage"].as_str().unwrap_or_default();
            assert!(html.contains("{username}") && html.contains("{####}"));
            // Text may say anything (escaped); a link may only go to mail or an https Studio /
            // console host; no control or format character survives.
            for link in html.split("href=\"").skip(1) {
                let link = &link[..link.find('"').unwrap_or(link.len())];
                let link = link.replace("&amp;", "&");
                assert!(
                    link.starts_with("mailto:") || custom_message::is_studio_link(&link),
                    "unsafe link: {link}"
                );
            }
            assert!(
                !html
                    .chars()
                    .any(|c| c != '\n' && custom_message::is_control_or_format(c)),
                "control or format character in {html:?}"
            );
        }
        Ok(out) => assert_eq!(out, event, "other sources pass through unchanged"),
        Err(_) => assert!(is_invite, "only an undecodable invitation may fail"),
    }
});
