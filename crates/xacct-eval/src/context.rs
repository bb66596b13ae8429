//! The request context: the condition keys a request carries, derived and supplied.

use serde::Serialize;
use xacct_policy::condition::{parse_bool, parse_date, parse_number};
use xacct_policy::template::VariableValues;
use xacct_policy::{ConditionContext, RequestValues};

/// The values of one key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum ContextValue {
    Single(String),
    Multi(Vec<String>),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ContextEntry {
    /// The key as first written (or as AWS spells a derived key).
    pub key: String,
    pub value: ContextValue,
    /// True for keys xacct derived from the principal and resource.
    pub derived: bool,
}

/// Condition keys of a request. Keys are case-insensitive; a short list scanned linearly beats
/// hashing for the dozen keys a request carries.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Context {
    entries: Vec<(String, ContextEntry)>,
}

/// A context value AWS would never send.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidContextValue {
    #[error("`{key}` must be {expected}, found `{value}`")]
    Type {
        key: String,
        value: String,
        expected: &'static str,
    },
    #[error("`{0}` is not a condition key: keys have a service prefix, such as `aws:SourceIp`")]
    Key(String),
}

/// Global keys whose values have a type; a malformed value is an error in the request, not a
/// silent non-match.
/// What a key's value must look like, and the check for it.
type ValueRule = (&'static str, fn(&str) -> bool);

fn expected_type(key_lowercase: &str) -> Option<ValueRule> {
    fn is_bool(text: &str) -> bool {
        parse_bool(text).is_some()
    }
    fn is_ip(text: &str) -> bool {
        text.trim().parse::<std::net::IpAddr>().is_ok()
    }
    fn is_date(text: &str) -> bool {
        parse_date(text).is_some()
    }
    fn is_number(text: &str) -> bool {
        parse_number(text).is_some()
    }
    match key_lowercase {
        "aws:sourceip" | "aws:vpcsourceip" => Some(("an IP address", is_ip)),
        "aws:securetransport"
        | "aws:multifactorauthpresent"
        | "aws:viaawsservice"
        | "aws:principalisawsservice" => Some(("`true` or `false`", is_bool)),
        "aws:currenttime" | "aws:tokenissuetime" => {
            Some(("a date (ISO 8601 or epoch seconds)", is_date))
        }
        "aws:epochtime" => Some(("epoch seconds", is_date)),
        "aws:multifactorauthage" | "s3:max-keys" | "s3:signatureage" => {
            Some(("a number", is_number))
        }
        _ => None,
    }
}

impl Context {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a key supplied by the user, checking values of keys whose type is known.
    pub fn insert(&mut self, key: &str, value: ContextValue) -> Result<(), InvalidContextValue> {
        if !key.contains(':') || key.starts_with(':') || key.ends_with(':') {
            return Err(InvalidContextValue::Key(key.to_owned()));
        }
        let lowercase = key.to_ascii_lowercase();
        if let Some((expected, valid)) = expected_type(&lowercase) {
            let values: Vec<&String> = match &value {
                ContextValue::Single(one) => vec![one],
                ContextValue::Multi(many) => many.iter().collect(),
            };
            if let Some(bad) = values.into_iter().find(|value| !valid(value)) {
                return Err(InvalidContextValue::Type {
                    key: key.to_owned(),
                    value: bad.clone(),
                    expected,
                });
            }
        }
        self.set(lowercase, key, value, false);
        Ok(())
    }

    /// Adds a key xacct derived; keeps a value the user supplied.
    pub(crate) fn derive(&mut self, key: &str, value: ContextValue) {
        let lowercase = key.to_ascii_lowercase();
        if self.entry(&lowercase).is_none() {
            self.set(lowercase, key, value, true);
        }
    }

    fn set(&mut self, lowercase: String, key: &str, value: ContextValue, derived: bool) {
        let entry = ContextEntry {
            key: key.to_owned(),
            value,
            derived,
        };
        match self.entries.iter_mut().find(|(name, _)| *name == lowercase) {
            Some((_, existing)) => *existing = entry,
            None => self.entries.push((lowercase, entry)),
        }
    }

    /// The entry for a lowercased key.
    pub fn entry(&self, key_lowercase: &str) -> Option<&ContextEntry> {
        self.entries
            .iter()
            .find(|(name, _)| name == key_lowercase)
            .map(|(_, entry)| entry)
    }

    /// The single value of a key, when it has exactly one.
    pub fn single(&self, key_lowercase: &str) -> Option<&str> {
        match self.lookup(key_lowercase) {
            RequestValues::Single(one) => Some(one),
            RequestValues::Multi([one]) => Some(one),
            _ => None,
        }
    }

    pub fn entries(&self) -> impl Iterator<Item = &ContextEntry> {
        self.entries.iter().map(|(_, entry)| entry)
    }
}

impl VariableValues for Context {
    /// Multivalued keys and empty values count as no value, as the IAM variables page says.
    fn single_value(&self, key_lowercase: &str) -> Option<&str> {
        match self.entry(key_lowercase).map(|entry| &entry.value) {
            Some(ContextValue::Single(one)) if !one.is_empty() => Some(one),
            _ => None,
        }
    }
}

impl ConditionContext for Context {
    fn lookup(&self, key_lowercase: &str) -> RequestValues<'_> {
        match self.entry(key_lowercase).map(|entry| &entry.value) {
            None => RequestValues::Absent,
            Some(ContextValue::Single(one)) => RequestValues::Single(one),
            // An empty set is a "null dataset": treated as absent.
            Some(ContextValue::Multi(many)) if many.is_empty() => RequestValues::Absent,
            Some(ContextValue::Multi(many)) => RequestValues::Multi(many),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_case_insensitive_and_typed() {
        let mut context = Context::new();
        context
            .insert("aws:SourceIp", ContextValue::Single("10.1.2.3".into()))
            .unwrap();
        assert_eq!(context.single("aws:sourceip"), Some("10.1.2.3"));
        assert!(context
            .insert("aws:SecureTransport", ContextValue::Single("yes".into()))
            .is_err());
        assert!(context
            .insert("nokey", ContextValue::Single("x".into()))
            .is_err());
    }

    #[test]
    fn derived_keys_never_override_supplied_ones() {
        let mut context = Context::new();
        context
            .insert("aws:PrincipalOrgID", ContextValue::Single("o-a".into()))
            .unwrap();
        context.derive("aws:PrincipalOrgID", ContextValue::Single("o-b".into()));
        assert_eq!(context.single("aws:principalorgid"), Some("o-a"));
    }

    /// "ForAllValues ... also returns true if there are no context keys in the request or if the
    /// context key value resolves to a null dataset, such as an empty string"; ForAnyValue is
    /// false for both; IfExists makes an absent (or null) key true.
    #[test]
    fn set_operators_read_an_empty_value_as_a_null_data_set() {
        use xacct_policy::{parse_policy, Effect, PolicyKind};
        let holds = |operator: &str, value: Option<ContextValue>| {
            let text = format!(
                r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Deny","Action":"*","Resource":"*","Condition":{{"{operator}":{{"aws:TagKeys":["temp-*"]}}}}}}]}}"#
            );
            let parsed = parse_policy(&text, PolicyKind::Identity);
            let condition = parsed.policy.statements[0].conditions[0].clone();
            let mut context = Context::new();
            if let Some(value) = value {
                context.insert("aws:TagKeys", value).unwrap();
            }
            condition.holds(&context, Effect::Deny)
        };
        let empty_string = || Some(ContextValue::Single(String::new()));
        let empty_list = || Some(ContextValue::Multi(Vec::new()));
        for value in [empty_string(), empty_list(), None] {
            assert!(holds("ForAllValues:StringLike", value.clone()), "{value:?}");
            assert!(
                holds("ForAllValues:StringLikeIfExists", value.clone()),
                "{value:?}"
            );
            assert!(!holds("ForAnyValue:StringLike", value.clone()), "{value:?}");
            assert!(
                holds("ForAnyValue:StringLikeIfExists", value.clone()),
                "{value:?}"
            );
        }
        // A present value is compared as usual.
        let other = || Some(ContextValue::Single("owner".to_owned()));
        assert!(!holds("ForAllValues:StringLike", other()));
        assert!(!holds("ForAnyValue:StringLike", other()));
        // A plain operator still compares the empty string itself.
        assert!(!holds("StringLike", empty_string()));
    }
}
