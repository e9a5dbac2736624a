//! Shared input shaping for the fuzz targets.
//!
//! Byte fuzzers are slow to reach JSON-shaped bugs, so an input is either raw JSON (first byte
//! even) or a structured mutation of a real fixture (first byte odd): `arbitrary` decides which
//! nodes to replace with arbitrary JSON, delete, or add.

use arbitrary::{Result, Unstructured};
use serde_json::{Map, Number, Value};

pub fn event_from(data: &[u8], fixture: &str) -> Option<Value> {
    let (mode, rest) = data.split_first()?;
    if mode % 2 == 0 {
        return serde_json::from_slice(rest).ok();
    }
    let base: Value = serde_json::from_str(fixture).ok()?;
    let mut u = Unstructured::new(rest);
    mutate(base, &mut u, 0).ok()
}

fn arbitrary_value(u: &mut Unstructured, depth: u8) -> Result<Value> {
    Ok(match u.int_in_range(0..=7)? {
        0 => Value::Null,
        1 => Value::Bool(u.arbitrary()?),
        2 => Value::Number(Number::from(u.arbitrary::<i64>()?)),
        3 => Number::from_f64(u.arbitrary()?).map_or(Value::Null, Value::Number),
        4 | 5 => Value::String(u.arbitrary()?),
        6 if depth < 3 => {
            let n = u.int_in_range(0..=3)?;
            Value::Array(
                (0..n)
                    .map(|_| arbitrary_value(u, depth + 1))
                    .collect::<Result<_>>()?,
            )
        }
        _ if depth < 3 => {
            let n = u.int_in_range(0..=3)?;
            let mut map = Map::new();
            for _ in 0..n {
                map.insert(u.arbitrary()?, arbitrary_value(u, depth + 1)?);
            }
            Value::Object(map)
        }
        _ => Value::Null,
    })
}

fn mutate(value: Value, u: &mut Unstructured, depth: u8) -> Result<Value> {
    if u.is_empty() {
        return Ok(value);
    }
    if u.ratio(1, 8)? {
        return arbitrary_value(u, depth);
    }
    Ok(match value {
        Value::Object(map) => {
            let mut out = Map::new();
            for (key, child) in map {
                if u.ratio(1, 12)? {
                    continue; // drop the field
                }
                out.insert(key, mutate(child, u, depth + 1)?);
            }
            if u.ratio(1, 10)? {
                out.insert(u.arbitrary()?, arbitrary_value(u, depth + 1)?);
            }
            Value::Object(out)
        }
        Value::Array(items) => {
            let mut out = Vec::new();
            for child in items {
                out.push(mutate(child, u, depth + 1)?);
            }
            if u.ratio(1, 4)? {
                out.push(arbitrary_value(u, depth + 1)?);
            }
            Value::Array(out)
        }
        other => other,
    })
}

/// One current-thread runtime per fuzzing process, as a Lambda has.
pub fn block_on<F: std::future::Future>(future: F) -> F::Output {
    thread_local! {
        static RUNTIME: tokio::runtime::Runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .expect("a tokio runtime");
    }
    RUNTIME.with(|runtime| runtime.block_on(future))
}

pub fn lambda(event: Value) -> lambda_runtime::LambdaEvent<Value> {
    lambda_runtime::LambdaEvent::new(event, Default::default())
}
