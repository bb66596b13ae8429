//! Action names (`s3:GetObject`) and the patterns that match them (`s3:Get*`).
//!
//! Both the service prefix and the action name are case-insensitive in IAM, so everything is
//! compared in lowercase, computed once.

use crate::wildcard::Pattern;
use serde::Serialize;
use std::fmt;
use std::str::FromStr;

/// A concrete action in a request, such as `s3:GetObject`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ActionName {
    text: String,
    lowercase: String,
    colon: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidAction {
    #[error("`{0}` is not an action: expected `service:ActionName`, such as `s3:GetObject`")]
    Shape(String),
    #[error("`{0}` is not a concrete action: a request names one action, without `*` or `?`")]
    Wildcard(String),
}

fn is_service_prefix(text: &str) -> bool {
    !text.is_empty()
        && text
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_')
}

fn is_action_word(text: &str, allow_wildcards: bool) -> bool {
    !text.is_empty()
        && text.bytes().all(|byte| {
            byte.is_ascii_alphanumeric()
                || byte == b'-'
                || byte == b'_'
                || (allow_wildcards && (byte == b'*' || byte == b'?'))
        })
}

impl ActionName {
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The lowercased form used for matching.
    pub fn lowercase(&self) -> &str {
        &self.lowercase
    }

    /// The service prefix, lowercased (`s3`).
    pub fn service(&self) -> &str {
        self.lowercase.get(..self.colon).unwrap_or_default()
    }

    /// The action name as written (`GetObject`).
    pub fn name(&self) -> &str {
        self.text.get(self.colon + 1..).unwrap_or_default()
    }
}

impl FromStr for ActionName {
    type Err = InvalidAction;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if text.contains(['*', '?']) {
            return Err(InvalidAction::Wildcard(text.to_owned()));
        }
        let Some((service, name)) = text.split_once(':') else {
            return Err(InvalidAction::Shape(text.to_owned()));
        };
        if !is_service_prefix(service) || !is_action_word(name, false) {
            return Err(InvalidAction::Shape(text.to_owned()));
        }
        Ok(Self {
            text: text.to_owned(),
            lowercase: text.to_ascii_lowercase(),
            colon: service.len(),
        })
    }
}

impl fmt::Display for ActionName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl Serialize for ActionName {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.text)
    }
}

/// An `Action` or `NotAction` value: `*`, `service:*`, `service:Get*`, `service:GetObject`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionPattern {
    text: String,
    pattern: Pattern,
    /// The lowercased service prefix when it has no wildcard.
    service: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not an action pattern: expected `*` or `service:Action` where the action may use `*` and `?`")]
pub struct InvalidActionPattern(pub String);

impl ActionPattern {
    pub fn as_str(&self) -> &str {
        &self.text
    }

    pub fn service(&self) -> Option<&str> {
        self.service.as_deref()
    }

    pub fn matches(&self, action: &ActionName) -> bool {
        // Without wildcards the lowercased texts are simply equal or not.
        if let Some(literal) = self.pattern.as_literal() {
            return literal == action.lowercase();
        }
        if let Some(service) = &self.service {
            if service != action.service() {
                return false;
            }
        }
        self.pattern.matches(action.lowercase())
    }

    pub fn matches_everything(&self) -> bool {
        self.pattern.matches_everything()
    }
}

impl FromStr for ActionPattern {
    type Err = InvalidActionPattern;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let lowercase = text.to_ascii_lowercase();
        if text == "*" {
            return Ok(Self {
                text: text.to_owned(),
                pattern: Pattern::new("*"),
                service: None,
            });
        }
        let Some((service, name)) = lowercase.split_once(':') else {
            return Err(InvalidActionPattern(text.to_owned()));
        };
        if !is_service_prefix(service) || !is_action_word(name, true) {
            return Err(InvalidActionPattern(text.to_owned()));
        }
        Ok(Self {
            text: text.to_owned(),
            pattern: Pattern::new(&lowercase),
            service: Some(service.to_owned()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn action(text: &str) -> ActionName {
        text.parse().unwrap()
    }

    #[test]
    fn matching_ignores_case_and_honours_wildcards() {
        let cases = [
            ("S3:getobject", "s3:GetObject", true),
            ("s3:Get*", "s3:GetObjectAcl", true),
            ("s3:*Object", "s3:PutObject", true),
            ("s3:?etObject", "s3:GetObject", true),
            ("*", "kms:Decrypt", true),
            ("s3:*", "s3express:CreateSession", false),
            ("s3:Get*", "s3:PutObject", false),
        ];
        for (pattern, name, expected) in cases {
            let pattern: ActionPattern = pattern.parse().unwrap();
            assert_eq!(
                pattern.matches(&action(name)),
                expected,
                "{pattern:?} vs {name}"
            );
        }
    }

    #[test]
    fn malformed_actions_are_rejected() {
        for bad in ["s3", "s3:", ":GetObject", "s3:Get Object", "s3:Get*"] {
            assert!(bad.parse::<ActionName>().is_err(), "{bad}");
        }
        for bad in ["s3", "s3 :Get", "s3:Get/Object"] {
            assert!(bad.parse::<ActionPattern>().is_err(), "{bad}");
        }
    }
}
