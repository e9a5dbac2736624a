//! The REST-JSON answers: a JSON body, and for errors the type in `x-amzn-errortype`.

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::header::{HeaderValue, CONTENT_TYPE};
use hyper::{Response, StatusCode};
use serde_json::{json, Value};

pub(crate) type Reply = Response<Full<Bytes>>;

pub(crate) fn reply(status: StatusCode, body: Value) -> Reply {
    let mut response = Response::new(Full::new(Bytes::from(body.to_string())));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

pub(crate) fn error(status: StatusCode, error_type: &'static str, message: &str) -> Reply {
    let mut response = reply(status, json!({ "message": message }));
    response
        .headers_mut()
        .insert("x-amzn-errortype", HeaderValue::from_static(error_type));
    response
}

pub(crate) fn bad_request(message: &str) -> Reply {
    error(StatusCode::BAD_REQUEST, "BadRequestException", message)
}

pub(crate) fn not_found(message: &str) -> Reply {
    error(StatusCode::NOT_FOUND, "NotFoundException", message)
}

pub(crate) async fn body_text(reply: Reply) -> String {
    match reply.into_body().collect().await {
        Ok(collected) => String::from_utf8_lossy(&collected.to_bytes()).into_owned(),
        Err(never) => match never {},
    }
}
