//! Kinesis's CBOR wire format (`application/x-amz-cbor-1.1`), which the AWS SDK for Java (and
//! so the Spark Kinesis connector) sends by default: the same members as AWS JSON 1.1, with
//! blobs as CBOR byte strings and timestamps as tag 1 over an integer of epoch
//! **milliseconds** (not RFC 8949's seconds: the SDK writes `Instant.toEpochMilli()`, see
//! aws/aws-sdk-java-v2 issue 4661). A request is read into the JSON the Kinesis handlers take
//! (a byte string becomes base64 text, a timestamp epoch seconds) and the JSON answer is
//! written back as CBOR, the blob and timestamp members by name.

use base64::Engine as _;
use serde_json::{Map, Number, Value};

/// The timestamp members of Kinesis's answers and requests.
const TIMESTAMPS: &[&str] = &[
    "ApproximateArrivalTimestamp",
    "StreamCreationTimestamp",
    "ConsumerCreationTimestamp",
    "Timestamp",
];
/// The blob members (a record's data).
const BLOBS: &[&str] = &["Data"];
/// Nesting deeper than any Kinesis request is refused rather than followed.
const MAX_DEPTH: usize = 32;

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum CborError {
    #[error("the CBOR body ends early")]
    Truncated,
    #[error("the CBOR body nests deeper than {MAX_DEPTH}")]
    TooDeep,
    #[error("the CBOR body holds {0}, which a Kinesis request does not")]
    Unsupported(&'static str),
    #[error("the CBOR body has bytes after its value")]
    Trailing,
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

/// What one item's head says.
enum Head {
    /// Major type and argument.
    Definite(u8, u64),
    /// Major type with an indefinite length (2 to 5).
    Indefinite(u8),
    /// The break of an indefinite item.
    Break,
    /// A float (major type 7).
    Float(f64),
    /// A simple value (false, true, null, undefined).
    Simple(u8),
}

impl Reader<'_> {
    fn byte(&mut self) -> Result<u8, CborError> {
        let byte = *self.bytes.get(self.at).ok_or(CborError::Truncated)?;
        self.at += 1;
        Ok(byte)
    }

    fn take(&mut self, count: usize) -> Result<&[u8], CborError> {
        let end = self.at.checked_add(count).ok_or(CborError::Truncated)?;
        let slice = self.bytes.get(self.at..end).ok_or(CborError::Truncated)?;
        self.at = end;
        Ok(slice)
    }

    fn uint(&mut self, width: usize) -> Result<u64, CborError> {
        Ok(self
            .take(width)?
            .iter()
            .fold(0_u64, |acc, byte| (acc << 8) | u64::from(*byte)))
    }

    fn head(&mut self) -> Result<Head, CborError> {
        let initial = self.byte()?;
        let major = initial >> 5;
        let info = initial & 0x1f;
        if major == 7 {
            return match info {
                20..=23 => Ok(Head::Simple(info)),
                25 => Ok(Head::Float(half(self.uint(2)?))),
                26 => Ok(Head::Float(f64::from(f32::from_bits(
                    u32::try_from(self.uint(4)?).unwrap_or(0),
                )))),
                27 => Ok(Head::Float(f64::from_bits(self.uint(8)?))),
                31 => Ok(Head::Break),
                _ => Err(CborError::Unsupported("a simple value")),
            };
        }
        let argument = match info {
            0..=23 => u64::from(info),
            24 => self.uint(1)?,
            25 => self.uint(2)?,
            26 => self.uint(4)?,
            27 => self.uint(8)?,
            31 if (2..=5).contains(&major) => return Ok(Head::Indefinite(major)),
            _ => return Err(CborError::Unsupported("a reserved length")),
        };
        Ok(Head::Definite(major, argument))
    }

    fn length(argument: u64) -> Result<usize, CborError> {
        usize::try_from(argument).map_err(|_| CborError::Truncated)
    }

    /// One value; `key` is the member it is the value of.
    fn value(&mut self, key: Option<&str>, depth: usize) -> Result<Value, CborError> {
        let head = self.head()?;
        self.value_of(head, key, depth)
    }

    fn value_of(
        &mut self,
        head: Head,
        key: Option<&str>,
        depth: usize,
    ) -> Result<Value, CborError> {
        if depth > MAX_DEPTH {
            return Err(CborError::TooDeep);
        }
        Ok(match head {
            Head::Definite(0, n) => Value::from(n),
            Head::Definite(1, n) => Value::from(-1_i64 - i64::try_from(n).unwrap_or(i64::MAX)),
            Head::Definite(2, n) => {
                let bytes = self.take(Self::length(n)?)?.to_vec();
                Value::String(base64::engine::general_purpose::STANDARD.encode(bytes))
            }
            Head::Definite(3, n) => {
                Value::String(String::from_utf8_lossy(self.take(Self::length(n)?)?).into_owned())
            }
            Head::Definite(4, n) => {
                let mut items = Vec::new();
                for _ in 0..n {
                    items.push(self.value(key, depth + 1)?);
                }
                Value::Array(items)
            }
            Head::Definite(5, n) => {
                let mut map = Map::new();
                for _ in 0..n {
                    let head = self.head()?;
                    self.member(head, &mut map, depth)?;
                }
                Value::Object(map)
            }
            Head::Definite(6, tag) => {
                let inner = self.value(key, depth + 1)?;
                match (tag, inner.as_f64()) {
                    // Epoch milliseconds, as the AWS SDK writes them: seconds for the handlers.
                    (1, Some(millis)) => {
                        Number::from_f64(millis / 1000.0).map_or(Value::Null, Value::Number)
                    }
                    _ => inner,
                }
            }
            Head::Definite(..) => return Err(CborError::Unsupported("an unknown major type")),
            Head::Indefinite(major) => self.indefinite(major, key, depth)?,
            Head::Break => return Err(CborError::Unsupported("a break outside an item")),
            Head::Float(float) => Number::from_f64(float).map_or(Value::Null, Value::Number),
            Head::Simple(20) => Value::Bool(false),
            Head::Simple(21) => Value::Bool(true),
            Head::Simple(_) => Value::Null,
        })
    }

    /// A map member: a text key and its value.
    fn member(
        &mut self,
        head: Head,
        map: &mut Map<String, Value>,
        depth: usize,
    ) -> Result<(), CborError> {
        let Value::String(name) = self.value_of(head, None, depth + 1)? else {
            return Err(CborError::Unsupported("a map key that is not text"));
        };
        let value = self.value(Some(&name), depth + 1)?;
        map.insert(name, value);
        Ok(())
    }

    /// An indefinite-length string, byte string, array or map (as Jackson writes objects).
    fn indefinite(
        &mut self,
        major: u8,
        key: Option<&str>,
        depth: usize,
    ) -> Result<Value, CborError> {
        let mut items = Vec::new();
        let mut map = Map::new();
        let mut bytes = Vec::new();
        loop {
            let head = self.head()?;
            if matches!(head, Head::Break) {
                break;
            }
            match major {
                2 | 3 => match head {
                    Head::Definite(chunk, n) if chunk == major => {
                        bytes.extend_from_slice(self.take(Self::length(n)?)?);
                    }
                    _ => return Err(CborError::Unsupported("a string chunk of another type")),
                },
                4 => items.push(self.value_of(head, key, depth + 1)?),
                _ => self.member(head, &mut map, depth)?,
            }
        }
        Ok(match major {
            2 => Value::String(base64::engine::general_purpose::STANDARD.encode(bytes)),
            3 => Value::String(String::from_utf8_lossy(&bytes).into_owned()),
            4 => Value::Array(items),
            _ => Value::Object(map),
        })
    }
}

/// An IEEE 754 half-precision float.
fn half(bits: u64) -> f64 {
    let exponent = (bits >> 10) & 0x1f;
    let mantissa = f64::from(u32::try_from(bits & 0x3ff).unwrap_or(0));
    let sign = if bits & 0x8000 == 0 { 1.0 } else { -1.0 };
    let magnitude = match exponent {
        0 => mantissa * 2_f64.powi(-24),
        31 if mantissa == 0.0 => f64::INFINITY,
        31 => f64::NAN,
        _ => (1.0 + mantissa / 1024.0) * 2_f64.powi(i32::try_from(exponent).unwrap_or(0) - 15),
    };
    sign * magnitude
}

/// A CBOR request body as the JSON the Kinesis handlers read.
pub fn to_json(body: &[u8]) -> Result<Value, CborError> {
    let mut reader = Reader { bytes: body, at: 0 };
    let value = reader.value(None, 0)?;
    if reader.at != body.len() {
        return Err(CborError::Trailing);
    }
    Ok(value)
}

fn head(out: &mut Vec<u8>, major: u8, argument: u64) {
    let major = major << 5;
    match argument {
        0..=23 => out.push(major | u8::try_from(argument).unwrap_or(0)),
        24..=0xff => {
            out.push(major | 24);
            out.push(u8::try_from(argument).unwrap_or(0));
        }
        0x100..=0xffff => {
            out.push(major | 25);
            out.extend_from_slice(&u16::try_from(argument).unwrap_or(0).to_be_bytes());
        }
        0x1_0000..=0xffff_ffff => {
            out.push(major | 26);
            out.extend_from_slice(&u32::try_from(argument).unwrap_or(0).to_be_bytes());
        }
        _ => {
            out.push(major | 27);
            out.extend_from_slice(&argument.to_be_bytes());
        }
    }
}

fn write(out: &mut Vec<u8>, value: &Value, key: Option<&str>) {
    match value {
        Value::Null => out.push(0xf6),
        Value::Bool(false) => out.push(0xf4),
        Value::Bool(true) => out.push(0xf5),
        Value::Number(number) if key.is_some_and(|key| TIMESTAMPS.contains(&key)) => {
            let millis = (number.as_f64().unwrap_or(0.0) * 1000.0).round();
            head(out, 6, 1);
            // Milliseconds since the epoch fit a u64 until the year 584 million.
            head(out, 0, format!("{millis:.0}").parse().unwrap_or(0));
        }
        Value::Number(number) => match (number.as_u64(), number.as_i64()) {
            (Some(n), _) => head(out, 0, n),
            (None, Some(n)) => head(out, 1, n.unsigned_abs().saturating_sub(1)),
            _ => {
                out.push(0xfb);
                out.extend_from_slice(&number.as_f64().unwrap_or(0.0).to_bits().to_be_bytes());
            }
        },
        Value::String(text) if key.is_some_and(|key| BLOBS.contains(&key)) => {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(text)
                .unwrap_or_default();
            head(out, 2, bytes.len() as u64);
            out.extend_from_slice(&bytes);
        }
        Value::String(text) => {
            head(out, 3, text.len() as u64);
            out.extend_from_slice(text.as_bytes());
        }
        Value::Array(items) => {
            head(out, 4, items.len() as u64);
            for item in items {
                write(out, item, key);
            }
        }
        Value::Object(map) => {
            head(out, 5, map.len() as u64);
            for (name, item) in map {
                head(out, 3, name.len() as u64);
                out.extend_from_slice(name.as_bytes());
                write(out, item, Some(name));
            }
        }
    }
}

/// A JSON answer (or error document) of the Kinesis handlers, as CBOR.
pub fn from_json(text: &str) -> Vec<u8> {
    let value: Value = serde_json::from_str(text).unwrap_or(Value::Null);
    let mut out = Vec::new();
    write(&mut out, &value, None);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_answer_round_trips_with_blobs_and_millisecond_timestamps() {
        let answer = json!({
            "Records": [{"Data": "aGVsbG8=", "ApproximateArrivalTimestamp": 1_764_547_200.123,
                         "SequenceNumber": "49", "PartitionKey": "k"}],
            "MillisBehindLatest": 0,
            "Negative": -5,
        });
        let bytes = from_json(&answer.to_string());
        // `Data` is a byte string of 5 bytes: 0x45 then "hello".
        let hello = [0x45, b'h', b'e', b'l', b'l', b'o'];
        assert!(bytes.windows(hello.len()).any(|window| window == hello));
        // The timestamp is tag 1 over the integer 1764547200123.
        let stamp = [0xc1, 0x1b, 0x00, 0x00, 0x01, 0x9a, 0xd7, 0x35, 0x84, 0x7b];
        assert!(
            bytes.windows(stamp.len()).any(|window| window == stamp),
            "{bytes:x?}"
        );
        assert_eq!(to_json(&bytes), Ok(answer));
    }

    #[test]
    fn jackson_style_indefinite_maps_and_strings_are_read() {
        // {_ "StreamName": (_ "te" "st"), "Limit": 2, "Data": h'0001' }
        let mut body = vec![0xbf, 0x6a];
        body.extend_from_slice(b"StreamName");
        body.extend_from_slice(&[0x7f, 0x62, b't', b'e', 0x62, b's', b't', 0xff, 0x65]);
        body.extend_from_slice(b"Limit");
        body.push(0x02);
        body.push(0x64);
        body.extend_from_slice(b"Data");
        body.extend_from_slice(&[0x42, 0x00, 0x01, 0xff]);
        assert_eq!(
            to_json(&body),
            Ok(json!({"StreamName": "test", "Limit": 2, "Data": "AAE="}))
        );
        assert_eq!(half(0x3c00), 1.0);
    }

    #[test]
    fn a_broken_body_is_an_error_not_a_panic() {
        assert_eq!(to_json(&[0xbf, 0x61]), Err(CborError::Truncated));
        assert_eq!(to_json(&[0xa0, 0x00]), Err(CborError::Trailing));
        assert_eq!(to_json(&[0x1b, 0xff]), Err(CborError::Truncated));
        assert_eq!(
            to_json(&[0x5b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]),
            Err(CborError::Truncated)
        );
        assert_eq!(to_json(&[0x81; 40]), Err(CborError::TooDeep));
        assert_eq!(
            to_json(&[0xa1, 0x01, 0x02]),
            Err(CborError::Unsupported("a map key that is not text"))
        );
    }
}
