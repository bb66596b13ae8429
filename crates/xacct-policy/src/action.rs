//! Action names (`s3:GetObject`) and the patterns that match them (`s3:Get*`).
//!
//! Both the service prefix and the action name are case-insensitive in IAM, so everything is
//! compared in lowercase, computed once.

use crate::intern::Interner;
use crate::wildcard::Pattern;
use serde::Serialize;
use std::cell::RefCell;
use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

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
///
/// IAM stores some strings that can never name an action (`s3:GetObject,PutObject`,
/// `s3:   GetBucket`, `s3:`, `s3.s:ListBucket`): such a pattern is kept, matches no action, and
/// says why in [`ActionPattern::oddity`].
///
/// Compiled patterns are shared: every `s3:GetObject` of a loaded world is one copy
/// (`crate::intern`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionPattern {
    parts: Arc<ActionParts>,
}

thread_local! {
    static ACTION_PATTERNS: RefCell<Interner<ActionParts>> = RefCell::default();
}

/// A compiled action pattern.
#[derive(Debug, PartialEq, Eq)]
struct ActionParts {
    text: String,
    pattern: Pattern,
    /// The lowercased service prefix when it has no wildcard.
    service: Option<String>,
    /// Why the pattern can name no action, when it cannot.
    oddity: Option<ActionOddity>,
}

/// Why an action pattern AWS stores can never match an action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActionOddity {
    /// Nothing after the colon (`s3:`).
    EmptyName,
    /// Nothing before the colon (`:GetObject`).
    EmptyService,
    /// The service prefix has a character no prefix has (`s3.s`).
    ServiceCharacters,
    /// The action part has a character no action name has: a space, a comma, a slash...
    NameCharacters,
}

impl ActionOddity {
    /// Why, for a warning.
    pub fn reason(self) -> &'static str {
        match self {
            Self::EmptyName => "nothing follows the colon",
            Self::EmptyService => "no service prefix precedes the colon",
            Self::ServiceCharacters => {
                "service prefixes are letters, digits and hyphens, and this one has another character"
            }
            Self::NameCharacters => {
                "action names are letters and digits, and this one has a space, comma or other character"
            }
        }
    }
}

/// What IAM refuses in `Action`/`NotAction` when a policy is written (the `MalformedPolicyDocument`
/// messages of CreatePolicy: "Actions/Conditions must be prefaced by a vendor", "can contain only
/// one colon", "Vendor X is not valid").
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidActionPattern {
    #[error("`{0}` is not an action: it must be `*` or `service:Action` (IAM refuses an action without a service prefix)")]
    NoService(String),
    #[error("`{0}` has more than one colon: IAM allows exactly one, between the service prefix and the action")]
    ManyColons(String),
    #[error("`{text}` has the service prefix `{service}`, which IAM refuses: a prefix has only letters, digits, `-` and `.`")]
    BadService { text: String, service: String },
}

impl ActionPattern {
    pub fn as_str(&self) -> &str {
        &self.parts.text
    }

    pub fn service(&self) -> Option<&str> {
        self.parts.service.as_deref()
    }

    /// Why this pattern can match no action, when AWS stores it anyway.
    pub fn oddity(&self) -> Option<ActionOddity> {
        self.parts.oddity
    }

    pub fn matches(&self, action: &ActionName) -> bool {
        let parts = &*self.parts;
        if parts.oddity.is_some() {
            return false;
        }
        // Without wildcards the lowercased texts are simply equal or not.
        if let Some(literal) = parts.pattern.as_literal() {
            return literal == action.lowercase();
        }
        if let Some(service) = &parts.service {
            if service != action.service() {
                return false;
            }
        }
        parts.pattern.matches(action.lowercase())
    }

    pub fn matches_everything(&self) -> bool {
        self.parts.oddity.is_none() && self.parts.pattern.matches_everything()
    }
}

impl FromStr for ActionPattern {
    type Err = InvalidActionPattern;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let parts = ACTION_PATTERNS.with(|patterns| {
            patterns
                .borrow_mut()
                .get_or_try(text, || ActionParts::compile(text))
        })?;
        Ok(Self { parts })
    }
}

impl ActionParts {
    fn compile(text: &str) -> Result<Self, InvalidActionPattern> {
        let lowercase = text.to_ascii_lowercase();
        if text == "*" {
            return Ok(Self {
                text: text.to_owned(),
                pattern: Pattern::new("*"),
                service: None,
                oddity: None,
            });
        }
        let Some((service, name)) = lowercase.split_once(':') else {
            return Err(InvalidActionPattern::NoService(text.to_owned()));
        };
        if name.contains(':') {
            return Err(InvalidActionPattern::ManyColons(text.to_owned()));
        }
        // IAM's own check on the vendor: letters, digits, `-` and `.`, or `*` alone.
        if service != "*"
            && !service
                .bytes()
                .all(|byte| byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'.')
        {
            return Err(InvalidActionPattern::BadService {
                text: text.to_owned(),
                service: text.split(':').next().unwrap_or_default().to_owned(),
            });
        }
        let oddity = if service.is_empty() {
            Some(ActionOddity::EmptyService)
        } else if name.is_empty() {
            Some(ActionOddity::EmptyName)
        } else if service != "*" && !is_service_prefix(service) {
            Some(ActionOddity::ServiceCharacters)
        } else if !is_action_word(name, true) {
            Some(ActionOddity::NameCharacters)
        } else {
            None
        };
        Ok(Self {
            text: text.to_owned(),
            pattern: Pattern::new(&lowercase),
            service: (service != "*").then(|| service.to_owned()),
            oddity,
        })
    }
}

impl ActionPattern {
    /// Writes the compiled pattern once per shared copy (see `crate::snapshot`).
    pub(crate) fn encode(&self, encoder: &mut crate::snapshot::Encoder) {
        encoder.shared(
            crate::snapshot::Table::Action,
            &self.parts,
            |encoder, parts| {
                encoder.str(&parts.text);
                parts.pattern.encode(encoder);
                encoder.opt_str(parts.service.as_deref());
                encoder.option(parts.oddity.as_ref(), |encoder, oddity| {
                    encoder.u8(match oddity {
                        ActionOddity::EmptyName => 0,
                        ActionOddity::EmptyService => 1,
                        ActionOddity::ServiceCharacters => 2,
                        ActionOddity::NameCharacters => 3,
                    });
                });
            },
        );
    }

    pub(crate) fn decode(
        decoder: &mut crate::snapshot::Decoder<'_>,
    ) -> Result<Self, crate::snapshot::Damaged> {
        let parts = decoder.shared(crate::snapshot::Table::Action, |decoder| {
            Ok(ActionParts {
                text: decoder.string()?,
                pattern: Pattern::decode(decoder)?,
                service: decoder.opt_string()?,
                oddity: decoder.option(|decoder| {
                    Ok(match decoder.u8()? {
                        0 => ActionOddity::EmptyName,
                        1 => ActionOddity::EmptyService,
                        2 => ActionOddity::ServiceCharacters,
                        3 => ActionOddity::NameCharacters,
                        _ => return Err(crate::snapshot::Damaged("not an action oddity")),
                    })
                })?,
            })
        })?;
        Ok(Self { parts })
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
        for bad in [
            "s3",
            "",
            "s3 :Get",
            " s3:Get",
            "s3*:Get",
            "s3:List:Bucket",
            "a a:Get",
        ] {
            assert!(bad.parse::<ActionPattern>().is_err(), "{bad}");
        }
    }

    /// Strings IAM stores but that name no action: they match nothing, and say why.
    #[test]
    fn stored_oddities_match_no_action() {
        let get = action("s3:GetObject");
        for odd in [
            "s3:GetObject,PutObject",
            "s3:   GetObject",
            "s3:",
            "s3:GetObject ",
            "iam: asdf safdsf af ",
            "s3.s:GetObject",
            ":GetObject",
            "s3:Get/Object",
            "s3:Get *",
        ] {
            let pattern: ActionPattern = odd.parse().unwrap();
            assert!(pattern.oddity().is_some(), "{odd}");
            assert!(!pattern.matches(&get), "{odd}");
            assert!(!pattern.matches_everything(), "{odd}");
        }
        let any_service: ActionPattern = "*:GetObject".parse().unwrap();
        assert!(any_service.oddity().is_none());
        assert!(any_service.matches(&get));
        assert!(!any_service.matches(&action("s3:PutObject")));
    }
}
