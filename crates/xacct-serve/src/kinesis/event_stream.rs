//! The `application/vnd.amazon.eventstream` body SubscribeToShard answers with: binary
//! messages, each with its headers and a JSON payload, framed and checksummed by the SDK's own
//! codec (`aws-smithy-eventstream`), so what clients decode is what AWS sends.
//! <https://docs.aws.amazon.com/kinesis/latest/APIReference/API_SubscribeToShard.html>

use aws_smithy_types::event_stream::{Header, HeaderValue, Message};

/// The content type of an event stream answer.
pub const CONTENT_TYPE: &str = "application/vnd.amazon.eventstream";

/// An event (`:message-type` `event`) of type `event_type` with a JSON payload.
pub fn event(out: &mut Vec<u8>, event_type: &str, payload: &serde_json::Value) {
    let message = Message::new(payload.to_string().into_bytes())
        .add_header(string(":message-type", "event"))
        .add_header(string(":event-type", event_type))
        .add_header(string(":content-type", "application/json"));
    write(out, &message);
}

/// An exception inside the stream (`:message-type` `exception`), as Kinesis sends one when a
/// subscription fails after it started.
pub fn exception(out: &mut Vec<u8>, code: &str, message: &str) {
    let payload = serde_json::json!({ "message": message });
    let message = Message::new(payload.to_string().into_bytes())
        .add_header(string(":message-type", "exception"))
        .add_header(string(":exception-type", code))
        .add_header(string(":content-type", "application/json"));
    write(out, &message);
}

fn string(name: &'static str, value: &str) -> Header {
    Header::new(name, HeaderValue::String(value.to_owned().into()))
}

fn write(out: &mut Vec<u8>, message: &Message) {
    // Only a message over 16 MiB of headers or payload can fail to frame; the records of one
    // subscription event are kept to half of that (`subscribe`).
    if aws_smithy_eventstream::frame::write_message_to(message, out).is_err() {
        write_too_large(out);
    }
}

fn write_too_large(out: &mut Vec<u8>) {
    let message = Message::new(&b"{\"message\":\"the event is too large to frame\"}"[..])
        .add_header(string(":message-type", "exception"))
        .add_header(string(":exception-type", "InternalFailureException"));
    let _ = aws_smithy_eventstream::frame::write_message_to(&message, out);
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_smithy_eventstream::frame::read_message_from;

    fn header<'m>(message: &'m Message, name: &str) -> Option<&'m str> {
        message
            .headers()
            .iter()
            .find(|header| header.name().as_str() == name)
            .and_then(|header| header.value().as_string().ok())
            .map(|value| value.as_str())
    }

    #[test]
    fn events_and_exceptions_decode_with_the_sdk_codec() {
        let mut out = Vec::new();
        event(&mut out, "initial-response", &serde_json::json!({}));
        event(
            &mut out,
            "SubscribeToShardEvent",
            &serde_json::json!({"Records": [], "MillisBehindLatest": 0}),
        );
        exception(&mut out, "ResourceInUseException", "taken over");
        let mut bytes = bytes::Bytes::from(out);
        let first = read_message_from(&mut bytes).unwrap();
        assert_eq!(header(&first, ":event-type"), Some("initial-response"));
        assert_eq!(&first.payload()[..], b"{}");
        let second = read_message_from(&mut bytes).unwrap();
        assert_eq!(
            header(&second, ":event-type"),
            Some("SubscribeToShardEvent")
        );
        assert_eq!(header(&second, ":message-type"), Some("event"));
        let third = read_message_from(&mut bytes).unwrap();
        assert_eq!(header(&third, ":message-type"), Some("exception"));
        assert_eq!(
            header(&third, ":exception-type"),
            Some("ResourceInUseException")
        );
        assert!(bytes.is_empty());
    }
}
