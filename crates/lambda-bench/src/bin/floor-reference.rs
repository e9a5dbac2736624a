//! `floor-reference`: the least a Lambda function can do, as the cold bench's yardstick. It reads
//! `AWS_LAMBDA_RUNTIME_API`, asks for one event (`GET .../invocation/next`), answers it with `{}`
//! (`POST .../invocation/{id}/response`) and exits: no async runtime, no logging, no JSON, the
//! system allocator. `lambda-bench cold` compiles it with `rustc` for the functions' own target
//! triple (`lambda_bench::floor`) and measures it beside define, so the distance from our cold
//! path to the floor of this machine (exec, process start, two HTTP round trips) is a ratio in
//! every run.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::ExitCode;

fn main() -> ExitCode {
    match round_trip() {
        Ok(()) => ExitCode::SUCCESS,
        Err(why) => {
            eprintln!("floor-reference: {why}");
            ExitCode::FAILURE
        }
    }
}

fn round_trip() -> Result<(), String> {
    let api =
        std::env::var("AWS_LAMBDA_RUNTIME_API").map_err(|_| "AWS_LAMBDA_RUNTIME_API unset")?;
    let stream = TcpStream::connect(&api).map_err(|e| format!("{api}: {e}"))?;
    let _ = stream.set_nodelay(true);
    let mut writer = stream.try_clone().map_err(|e| e.to_string())?;
    let mut reader = BufReader::new(stream);
    write!(
        writer,
        "GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: {api}\r\n\r\n"
    )
    .map_err(|e| e.to_string())?;
    let (request_id, length) = read_head(&mut reader)?;
    let mut event = vec![0; length];
    reader.read_exact(&mut event).map_err(|e| e.to_string())?;
    let request_id = request_id.ok_or("no lambda-runtime-aws-request-id")?;
    write!(
        writer,
        "POST /2018-06-01/runtime/invocation/{request_id}/response HTTP/1.1\r\nHost: {api}\r\n\
         Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{{}}"
    )
    .map_err(|e| e.to_string())?;
    read_head(&mut reader).map(|_| ())
}

/// The status line and headers of one response: the request id and the body length.
fn read_head(reader: &mut impl BufRead) -> Result<(Option<String>, usize), String> {
    let (mut request_id, mut length) = (None, 0);
    let mut line = String::new();
    loop {
        line.clear();
        if reader.read_line(&mut line).map_err(|e| e.to_string())? == 0 {
            return Err("connection closed".into());
        }
        let line = line.trim_end();
        if line.is_empty() {
            return Ok((request_id, length));
        }
        if let Some((name, value)) = line.split_once(':') {
            let value = value.trim();
            if name.eq_ignore_ascii_case("lambda-runtime-aws-request-id") {
                request_id = Some(value.to_string());
            } else if name.eq_ignore_ascii_case("content-length") {
                length = value.parse().map_err(|_| "bad content-length")?;
            }
        }
    }
}
