//! The `Condition` element: operators, their compiled values, and how one condition judges a
//! request context.

use crate::arn::{ArnMatching, ArnPattern};
use crate::document::Effect;
use crate::span::Span;
use crate::template::{Template, VariableValues};
use base64::Engine as _;
use serde::Serialize;
use std::net::IpAddr;

/// The operator families of the IAM condition language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum BaseOperator {
    StringEquals,
    StringNotEquals,
    StringEqualsIgnoreCase,
    StringNotEqualsIgnoreCase,
    StringLike,
    StringNotLike,
    NumericEquals,
    NumericNotEquals,
    NumericLessThan,
    NumericLessThanEquals,
    NumericGreaterThan,
    NumericGreaterThanEquals,
    DateEquals,
    DateNotEquals,
    DateLessThan,
    DateLessThanEquals,
    DateGreaterThan,
    DateGreaterThanEquals,
    Bool,
    BinaryEquals,
    IpAddress,
    NotIpAddress,
    ArnEquals,
    ArnLike,
    ArnNotEquals,
    ArnNotLike,
    Null,
}

/// What kind of value an operator compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    String,
    Numeric,
    Date,
    Bool,
    Binary,
    Ip,
    Arn,
    Null,
}

const ALL_OPERATORS: [BaseOperator; 27] = [
    BaseOperator::StringEquals,
    BaseOperator::StringNotEquals,
    BaseOperator::StringEqualsIgnoreCase,
    BaseOperator::StringNotEqualsIgnoreCase,
    BaseOperator::StringLike,
    BaseOperator::StringNotLike,
    BaseOperator::NumericEquals,
    BaseOperator::NumericNotEquals,
    BaseOperator::NumericLessThan,
    BaseOperator::NumericLessThanEquals,
    BaseOperator::NumericGreaterThan,
    BaseOperator::NumericGreaterThanEquals,
    BaseOperator::DateEquals,
    BaseOperator::DateNotEquals,
    BaseOperator::DateLessThan,
    BaseOperator::DateLessThanEquals,
    BaseOperator::DateGreaterThan,
    BaseOperator::DateGreaterThanEquals,
    BaseOperator::Bool,
    BaseOperator::BinaryEquals,
    BaseOperator::IpAddress,
    BaseOperator::NotIpAddress,
    BaseOperator::ArnEquals,
    BaseOperator::ArnLike,
    BaseOperator::ArnNotEquals,
    BaseOperator::ArnNotLike,
    BaseOperator::Null,
];

impl BaseOperator {
    pub fn name(self) -> &'static str {
        match self {
            Self::StringEquals => "StringEquals",
            Self::StringNotEquals => "StringNotEquals",
            Self::StringEqualsIgnoreCase => "StringEqualsIgnoreCase",
            Self::StringNotEqualsIgnoreCase => "StringNotEqualsIgnoreCase",
            Self::StringLike => "StringLike",
            Self::StringNotLike => "StringNotLike",
            Self::NumericEquals => "NumericEquals",
            Self::NumericNotEquals => "NumericNotEquals",
            Self::NumericLessThan => "NumericLessThan",
            Self::NumericLessThanEquals => "NumericLessThanEquals",
            Self::NumericGreaterThan => "NumericGreaterThan",
            Self::NumericGreaterThanEquals => "NumericGreaterThanEquals",
            Self::DateEquals => "DateEquals",
            Self::DateNotEquals => "DateNotEquals",
            Self::DateLessThan => "DateLessThan",
            Self::DateLessThanEquals => "DateLessThanEquals",
            Self::DateGreaterThan => "DateGreaterThan",
            Self::DateGreaterThanEquals => "DateGreaterThanEquals",
            Self::Bool => "Bool",
            Self::BinaryEquals => "BinaryEquals",
            Self::IpAddress => "IpAddress",
            Self::NotIpAddress => "NotIpAddress",
            Self::ArnEquals => "ArnEquals",
            Self::ArnLike => "ArnLike",
            Self::ArnNotEquals => "ArnNotEquals",
            Self::ArnNotLike => "ArnNotLike",
            Self::Null => "Null",
        }
    }

    pub fn family(self) -> Family {
        match self {
            Self::StringEquals
            | Self::StringNotEquals
            | Self::StringEqualsIgnoreCase
            | Self::StringNotEqualsIgnoreCase
            | Self::StringLike
            | Self::StringNotLike => Family::String,
            Self::NumericEquals
            | Self::NumericNotEquals
            | Self::NumericLessThan
            | Self::NumericLessThanEquals
            | Self::NumericGreaterThan
            | Self::NumericGreaterThanEquals => Family::Numeric,
            Self::DateEquals
            | Self::DateNotEquals
            | Self::DateLessThan
            | Self::DateLessThanEquals
            | Self::DateGreaterThan
            | Self::DateGreaterThanEquals => Family::Date,
            Self::Bool => Family::Bool,
            Self::BinaryEquals => Family::Binary,
            Self::IpAddress | Self::NotIpAddress => Family::Ip,
            Self::ArnEquals | Self::ArnLike | Self::ArnNotEquals | Self::ArnNotLike => Family::Arn,
            Self::Null => Family::Null,
        }
    }

    /// Negated operators are true when the request value matches none of the policy values,
    /// and true when the key is absent.
    pub fn is_negated(self) -> bool {
        matches!(
            self,
            Self::StringNotEquals
                | Self::StringNotEqualsIgnoreCase
                | Self::StringNotLike
                | Self::NumericNotEquals
                | Self::DateNotEquals
                | Self::NotIpAddress
                | Self::ArnNotEquals
                | Self::ArnNotLike
        )
    }

    /// Whether policy variables are substituted in this operator's values.
    pub fn takes_variables(self) -> bool {
        matches!(self.family(), Family::String | Family::Arn)
    }

    pub fn all() -> &'static [BaseOperator] {
        &ALL_OPERATORS
    }
}

/// `ForAnyValue:` or `ForAllValues:`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum SetQualifier {
    ForAnyValue,
    ForAllValues,
}

/// A full operator as written: optional set qualifier, base operator, optional `IfExists`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Operator {
    pub base: BaseOperator,
    pub set: Option<SetQualifier>,
    pub if_exists: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidOperator {
    #[error("unknown condition operator `{text}`")]
    Unknown {
        text: String,
        suggestion: Option<String>,
    },
    #[error("`{0}` cannot take `IfExists`: `Null` already tests whether the key exists")]
    NullIfExists(String),
}

impl InvalidOperator {
    pub fn suggestion(&self) -> Option<&str> {
        match self {
            Self::Unknown { suggestion, .. } => suggestion.as_deref(),
            Self::NullIfExists(_) => None,
        }
    }
}

impl Operator {
    pub fn parse(text: &str) -> Result<Self, InvalidOperator> {
        let (set, rest) = if let Some(rest) = text.strip_prefix("ForAnyValue:") {
            (Some(SetQualifier::ForAnyValue), rest)
        } else if let Some(rest) = text.strip_prefix("ForAllValues:") {
            (Some(SetQualifier::ForAllValues), rest)
        } else {
            (None, text)
        };
        let (if_exists, base_text) = match rest.strip_suffix("IfExists") {
            Some(base) => (true, base),
            None => (false, rest),
        };
        let base = ALL_OPERATORS
            .iter()
            .copied()
            .find(|operator| operator.name() == base_text)
            .ok_or_else(|| InvalidOperator::Unknown {
                text: text.to_owned(),
                suggestion: suggest_operator(text),
            })?;
        if base == BaseOperator::Null && if_exists {
            return Err(InvalidOperator::NullIfExists(text.to_owned()));
        }
        Ok(Self {
            base,
            set,
            if_exists,
        })
    }

    pub fn name(&self) -> String {
        let prefix = match self.set {
            Some(SetQualifier::ForAnyValue) => "ForAnyValue:",
            Some(SetQualifier::ForAllValues) => "ForAllValues:",
            None => "",
        };
        let suffix = if self.if_exists { "IfExists" } else { "" };
        format!("{prefix}{}{suffix}", self.base.name())
    }
}

/// Closest operator name for "did you mean": same letters ignoring case, or a small edit.
fn suggest_operator(text: &str) -> Option<String> {
    let lower = text.to_ascii_lowercase();
    let mut candidates = Vec::new();
    for qualifier in ["", "ForAnyValue:", "ForAllValues:"] {
        for operator in ALL_OPERATORS {
            for suffix in ["", "IfExists"] {
                candidates.push(format!("{qualifier}{}{suffix}", operator.name()));
            }
        }
    }
    candidates
        .into_iter()
        // The distance is at least the difference in length: skip hopeless candidates cheaply.
        .filter(|candidate| candidate.len().abs_diff(lower.len()) <= 3)
        .map(|candidate| {
            (
                edit_distance(&lower, &candidate.to_ascii_lowercase()),
                candidate,
            )
        })
        .filter(|(distance, _)| *distance <= 3)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
}

/// Levenshtein distance, for suggestions.
pub fn edit_distance(left: &str, right: &str) -> usize {
    let right: Vec<char> = right.chars().collect();
    let mut previous: Vec<usize> = (0..=right.len()).collect();
    for (i, left_char) in left.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, right_char) in right.iter().enumerate() {
            let substitution = previous.get(j).copied().unwrap_or(usize::MAX)
                + usize::from(left_char != *right_char);
            let deletion = previous.get(j + 1).copied().unwrap_or(usize::MAX) + 1;
            let insertion = current.get(j).copied().unwrap_or(usize::MAX) + 1;
            current.push(substitution.min(deletion).min(insertion));
        }
        previous = current;
    }
    previous.last().copied().unwrap_or(0)
}

/// One policy value of a condition, compiled for its operator.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Text(Template),
    Number(f64),
    Date(jiff::Timestamp),
    Bool(bool),
    Binary(Vec<u8>),
    Ip(ipnet::IpNet),
    Arn(ArnPattern),
    /// For `Null`: `true` means "the key must be absent".
    Absent(bool),
    /// A value IAM stores but that stands for nothing this operator can compare (a date
    /// beyond the years a timestamp holds): it matches no request value.
    Unreadable,
}

/// A policy value with the text and span it was written as.
#[derive(Debug, Clone, PartialEq)]
pub struct ConditionValue {
    pub value: Value,
    pub text: String,
    pub span: Span,
}

/// One `operator: { key: values }` test. A `Condition` element with several operators, or an
/// operator with several keys, becomes several of these, all of which must hold.
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    pub operator: Operator,
    pub operator_span: Span,
    /// The key as written.
    pub key: String,
    /// The key lowercased: condition keys are case-insensitive.
    pub key_lowercase: String,
    pub key_span: Span,
    pub values: Vec<ConditionValue>,
}

/// Why a policy value could not be read for its operator.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidConditionValue {
    #[error("`{text}` is not a number, as `{operator}` requires")]
    Number {
        text: String,
        operator: &'static str,
    },
    #[error("`{text}` is not a date: use ISO 8601 (`2026-01-31T12:00:00Z`) or epoch seconds")]
    Date { text: String },
    #[error("`{text}` is not `true` or `false`")]
    Bool { text: String },
    #[error("`{text}` is not base64")]
    Binary { text: String },
    #[error("`{text}` is not an IP address or CIDR block")]
    Ip { text: String },
    #[error("`{text}`: {reason}")]
    Arn { text: String, reason: String },
    #[error("`{text}` is not a valid string value: {reason}")]
    Text { text: String, reason: String },
}

/// Compiles one policy value for `operator`. `with_variables` is true for 2012-10-17 policies.
pub fn compile_value(
    operator: BaseOperator,
    text: &str,
    with_variables: bool,
) -> Result<Value, InvalidConditionValue> {
    match operator.family() {
        Family::String => {
            if with_variables {
                Template::parse(text).map(Value::Text).map_err(|error| {
                    InvalidConditionValue::Text {
                        text: text.to_owned(),
                        reason: error.to_string(),
                    }
                })
            } else {
                Ok(Value::Text(Template::literal(text)))
            }
        }
        Family::Numeric => {
            parse_number(text)
                .map(Value::Number)
                .ok_or_else(|| InvalidConditionValue::Number {
                    text: text.to_owned(),
                    operator: operator.name(),
                })
        }
        Family::Date => {
            parse_date(text)
                .map(Value::Date)
                .ok_or_else(|| InvalidConditionValue::Date {
                    text: text.to_owned(),
                })
        }
        Family::Bool => {
            parse_bool(text)
                .map(Value::Bool)
                .ok_or_else(|| InvalidConditionValue::Bool {
                    text: text.to_owned(),
                })
        }
        Family::Null => {
            parse_bool(text)
                .map(Value::Absent)
                .ok_or_else(|| InvalidConditionValue::Bool {
                    text: text.to_owned(),
                })
        }
        Family::Binary => base64::engine::general_purpose::STANDARD
            .decode(text)
            .map(Value::Binary)
            .map_err(|_| InvalidConditionValue::Binary {
                text: text.to_owned(),
            }),
        Family::Ip => parse_network(text)
            .map(Value::Ip)
            .ok_or_else(|| InvalidConditionValue::Ip {
                text: text.to_owned(),
            }),
        Family::Arn => ArnPattern::parse(text, with_variables, ArnMatching::Components)
            .map(Value::Arn)
            .map_err(|error| InvalidConditionValue::Arn {
                text: text.to_owned(),
                reason: error.to_string(),
            }),
    }
}

pub fn parse_number(text: &str) -> Option<f64> {
    let trimmed = text.trim();
    let valid = !trimmed.is_empty()
        && trimmed
            .bytes()
            .all(|byte| byte.is_ascii_digit() || matches!(byte, b'-' | b'+' | b'.' | b'e' | b'E'));
    if !valid {
        return None;
    }
    trimmed
        .parse::<f64>()
        .ok()
        .filter(|number| number.is_finite())
}

pub fn parse_bool(text: &str) -> Option<bool> {
    if text.eq_ignore_ascii_case("true") {
        Some(true)
    } else if text.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

/// A date as IAM reads one: ISO 8601 with or without time and offset (UTC when omitted), or
/// epoch seconds.
pub fn parse_date(text: &str) -> Option<jiff::Timestamp> {
    let text = text.trim();
    if !text.is_empty()
        && text
            .bytes()
            .all(|byte| byte.is_ascii_digit() || byte == b'-')
    {
        if let Ok(seconds) = text.parse::<i64>() {
            // A leading `-` is a negative year for IAM's date reader, not epoch seconds.
            if !text.contains('-') {
                return jiff::Timestamp::from_second(seconds).ok();
            }
        }
    }
    if let Ok(timestamp) = text.parse::<jiff::Timestamp>() {
        return Some(timestamp);
    }
    if let Ok(datetime) = text.parse::<jiff::civil::DateTime>() {
        return datetime
            .to_zoned(jiff::tz::TimeZone::UTC)
            .ok()
            .map(|z| z.timestamp());
    }
    if let Ok(date) = text.parse::<jiff::civil::Date>() {
        return date
            .to_datetime(jiff::civil::Time::midnight())
            .to_zoned(jiff::tz::TimeZone::UTC)
            .ok()
            .map(|z| z.timestamp());
    }
    if let Some(seconds) = parse_number(text).filter(|_| !text.starts_with('-')) {
        let nanos = (seconds * 1e9) as i128;
        return jiff::Timestamp::from_nanosecond(nanos).ok();
    }
    None
}

/// A date IAM stores although it is not one of the formats [`parse_date`] reads: IAM's own
/// date grammar is looser (a lowercase `t`, one-digit hours, an offset of whole hours, a year
/// alone: `2016-12-13t2:00:00.593194+23`, `01T`). Returns `None` when IAM refuses the text
/// too, `Some(None)` when IAM stores it but the instant is outside what a timestamp holds, and
/// `Some(Some(instant))` otherwise. Omitted parts read as their first value (January, the
/// first day, midnight, UTC): the start of the period the text names.
pub fn parse_legacy_date(text: &str) -> Option<Option<jiff::Timestamp>> {
    let lower = text.to_ascii_lowercase();
    if !lower.contains('t') && !lower.contains('-') {
        // Epoch seconds: IAM accepts 0 to 2^63 - 1.
        return lower
            .parse::<u64>()
            .ok()
            .filter(|seconds| i64::try_from(*seconds).is_ok())
            .map(|seconds| {
                i64::try_from(seconds)
                    .ok()
                    .and_then(|seconds| jiff::Timestamp::from_second(seconds).ok())
            });
    }
    let (date, time) = lower.split_once('t').unwrap_or((lower.as_str(), ""));
    let (negative, date) = match date.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, date),
    };
    let mut date_parts = date.split('-');
    let year: i64 = date_parts.next()?.parse().ok()?;
    let year = if negative { -year } else { year };
    if !(-292_275_054..=292_278_993).contains(&year) {
        return None;
    }
    let mut field = |low: i64, high: i64| -> Option<Option<i64>> {
        match date_parts.next() {
            None => Some(None),
            Some(text) => text
                .parse::<i64>()
                .ok()
                .filter(|value| (low..=high).contains(value))
                .map(Some),
        }
    };
    let month = field(1, 12)?.unwrap_or(1);
    let day = field(1, 31)?.unwrap_or(1);
    if date_parts.next().is_some() {
        return None;
    }
    let (clock, offset_seconds) = split_offset(time)?;
    let mut clock_parts = clock.split(':');
    let mut number = |high: i64| -> Option<i64> {
        match clock_parts.next() {
            None | Some("") => Some(0),
            Some(text) => text
                .parse::<i64>()
                .ok()
                .filter(|value| (0..=high).contains(value)),
        }
    };
    let hour = number(23)?;
    let minute = number(59)?;
    let (seconds_text, fraction_text) = match clock_parts.next() {
        None => ("0", ""),
        Some(text) => text.split_once('.').unwrap_or((text, "")),
    };
    if clock_parts.next().is_some() {
        return None;
    }
    let second: i64 = seconds_text
        .parse()
        .ok()
        .filter(|value| (0..=59).contains(value))?;
    let nanos: i64 = if fraction_text.is_empty() {
        0
    } else {
        let fraction: u64 = fraction_text
            .parse()
            .ok()
            .filter(|value| *value <= 999_999_999)?;
        let digits = u32::try_from(fraction_text.len()).ok()?;
        i64::try_from(fraction).ok()? * 10_i64.checked_pow(9_u32.checked_sub(digits)?)?
    };
    let instant = (|| {
        let date = jiff::civil::Date::new(
            i16::try_from(year).ok()?,
            i8::try_from(month).ok()?,
            i8::try_from(day).ok()?,
        )
        .ok()?;
        let time = jiff::civil::Time::new(
            i8::try_from(hour).ok()?,
            i8::try_from(minute).ok()?,
            i8::try_from(second).ok()?,
            i32::try_from(nanos).ok()?,
        )
        .ok()?;
        let utc = date
            .to_datetime(time)
            .to_zoned(jiff::tz::TimeZone::UTC)
            .ok()?
            .timestamp();
        utc.checked_sub(jiff::SignedDuration::from_secs(offset_seconds))
            .ok()
    })();
    Some(instant)
}

/// Splits a clock from its zone: `z`, `+HH`, `+HH:MM`, `-HH`, `-HH:MM`, or nothing (UTC).
fn split_offset(time: &str) -> Option<(&str, i64)> {
    if let Some(clock) = time.strip_suffix('z') {
        return Some((clock, 0));
    }
    let Some(sign_at) = time.find(['+', '-']) else {
        return Some((time, 0));
    };
    let clock = time.get(..sign_at)?;
    let sign = if time.get(sign_at..=sign_at)? == "-" {
        -1
    } else {
        1
    };
    let zone = time.get(sign_at + 1..)?;
    let (hours, minutes) = zone.split_once(':').unwrap_or((zone, "00"));
    if hours.len() != 2 || minutes.len() != 2 {
        return None;
    }
    let hours: i64 = hours
        .parse()
        .ok()
        .filter(|value| (0..=23).contains(value))?;
    let minutes: i64 = minutes
        .parse()
        .ok()
        .filter(|value| (0..=59).contains(value))?;
    Some((clock, sign * (hours * 3600 + minutes * 60)))
}

/// A CIDR block, or a bare address meaning a single host.
pub fn parse_network(text: &str) -> Option<ipnet::IpNet> {
    let text = text.trim();
    if let Ok(network) = text.parse::<ipnet::IpNet>() {
        return Some(network);
    }
    text.parse::<IpAddr>().ok().map(ipnet::IpNet::from)
}

/// What the request holds for a condition key.
#[derive(Debug, Clone, Copy)]
pub enum RequestValues<'a> {
    Absent,
    Single(&'a str),
    /// A multivalued key. An empty set is reported as `Absent` by contexts.
    Multi(&'a [String]),
}

/// The request side of condition evaluation.
pub trait ConditionContext: VariableValues {
    fn lookup(&self, key_lowercase: &str) -> RequestValues<'_>;
}

impl Condition {
    /// Whether the condition holds for the request, in a statement with `effect`.
    ///
    /// The effect matters only where AWS documents nothing or contradicts itself (a plain
    /// negated operator on a key with several values; a negated `ForAllValues` operator on an
    /// absent key). There the reading that is never more permissive is taken: the condition
    /// holds for a Deny and fails for an Allow. See docs/research-notes.md, Q1.
    pub fn holds(&self, context: &dyn ConditionContext, effect: Effect) -> bool {
        let values = context.lookup(&self.key_lowercase);
        let operator = self.operator;
        if operator.base == BaseOperator::Null {
            let absent = matches!(values, RequestValues::Absent);
            // Several values for one key are OR-ed, as for every positive operator.
            return self
                .values
                .iter()
                .any(|value| matches!(value.value, Value::Absent(wanted) if wanted == absent));
        }
        // "ForAllValues ... also returns true if there are no context keys in the request or
        // if the context key value resolves to a null dataset, such as an empty string";
        // ForAnyValue is false for both. A set operator reads an empty value as an absent key.
        // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html
        let values = match values {
            RequestValues::Single("") | RequestValues::Multi([]) if operator.set.is_some() => {
                RequestValues::Absent
            }
            other => other,
        };
        let negated = operator.base.is_negated();
        let cautious = effect == Effect::Deny;
        match (operator.set, values) {
            (Some(SetQualifier::ForAnyValue), RequestValues::Absent) => operator.if_exists,
            (Some(SetQualifier::ForAllValues), RequestValues::Absent) => {
                // "ForAllValues returns true if there are no context keys in the request"; the
                // operators page contradicts this for ForAllValues:StringNotLike.
                if negated && !operator.if_exists {
                    cautious
                } else {
                    true
                }
            }
            (None, RequestValues::Absent) => operator.if_exists || negated,
            (Some(SetQualifier::ForAnyValue), RequestValues::Single(one)) => {
                self.one_value_holds(one, context)
            }
            (Some(SetQualifier::ForAnyValue), RequestValues::Multi(many)) => {
                many.iter().any(|one| self.one_value_holds(one, context))
            }
            (Some(SetQualifier::ForAllValues), RequestValues::Single(one)) => {
                self.one_value_holds(one, context)
            }
            (Some(SetQualifier::ForAllValues), RequestValues::Multi(many)) => {
                many.iter().all(|one| self.one_value_holds(one, context))
            }
            (None, RequestValues::Single(one)) => self.one_value_holds(one, context),
            (None, RequestValues::Multi([one])) => self.one_value_holds(one, context),
            // "Multivalued context keys require a condition set operator." A positive
            // operator is observed not to match; a negated one is undocumented.
            (None, RequestValues::Multi(_)) => negated && cautious,
        }
    }

    /// A single request value against the policy values: positive operators hold when any
    /// policy value matches; negated ones when none does.
    pub fn one_value_holds(&self, request: &str, context: &dyn ConditionContext) -> bool {
        // Typed request values are parsed once, not once per policy value.
        let any = match self.operator.base.family() {
            Family::Ip => request.trim().parse::<IpAddr>().is_ok_and(|address| {
                self.values
                    .iter()
                    .any(|policy| matches!(&policy.value, Value::Ip(network) if network.contains(&address)))
            }),
            Family::Numeric => parse_number(request).is_some_and(|actual| {
                self.values
                    .iter()
                    .any(|policy| matches!(&policy.value, Value::Number(limit) if compare_numbers(self.operator.base, actual, *limit)))
            }),
            Family::Date => parse_date(request).is_some_and(|actual| {
                self.values
                    .iter()
                    .any(|policy| matches!(&policy.value, Value::Date(limit) if compare_dates(self.operator.base, actual, *limit)))
            }),
            _ => self
                .values
                .iter()
                .any(|policy| value_matches(self.operator.base, &policy.value, request, context)),
        };
        if self.operator.base.is_negated() {
            !any
        } else {
            any
        }
    }
}

fn compare_numbers(operator: BaseOperator, actual: f64, limit: f64) -> bool {
    match operator {
        BaseOperator::NumericLessThan => actual < limit,
        BaseOperator::NumericLessThanEquals => actual <= limit,
        BaseOperator::NumericGreaterThan => actual > limit,
        BaseOperator::NumericGreaterThanEquals => actual >= limit,
        // Equals, and NotEquals through its positive counterpart.
        _ => actual == limit,
    }
}

fn compare_dates(operator: BaseOperator, actual: jiff::Timestamp, limit: jiff::Timestamp) -> bool {
    match operator {
        BaseOperator::DateLessThan => actual < limit,
        BaseOperator::DateLessThanEquals => actual <= limit,
        BaseOperator::DateGreaterThan => actual > limit,
        BaseOperator::DateGreaterThanEquals => actual >= limit,
        _ => actual == limit,
    }
}

/// The positive comparison of one request value with one policy value (negated operators
/// use their positive counterpart here and invert the result over all values).
pub fn value_matches(
    operator: BaseOperator,
    policy: &Value,
    request: &str,
    variables: &dyn VariableValues,
) -> bool {
    use BaseOperator as Op;
    match (operator, policy) {
        (Op::StringEquals | Op::StringNotEquals, Value::Text(template)) => template
            .text(variables)
            .is_some_and(|expected| expected == request),
        (Op::StringEqualsIgnoreCase | Op::StringNotEqualsIgnoreCase, Value::Text(template)) => {
            template
                .text(variables)
                .is_some_and(|expected| equal_ignore_case(&expected, request))
        }
        (Op::StringLike | Op::StringNotLike, Value::Text(template)) => template
            .pattern(variables)
            .is_some_and(|pattern| pattern.matches(request)),
        (Op::NumericEquals | Op::NumericNotEquals, Value::Number(expected)) => {
            parse_number(request).is_some_and(|actual| actual == *expected)
        }
        (Op::NumericLessThan, Value::Number(limit)) => {
            parse_number(request).is_some_and(|actual| actual < *limit)
        }
        (Op::NumericLessThanEquals, Value::Number(limit)) => {
            parse_number(request).is_some_and(|actual| actual <= *limit)
        }
        (Op::NumericGreaterThan, Value::Number(limit)) => {
            parse_number(request).is_some_and(|actual| actual > *limit)
        }
        (Op::NumericGreaterThanEquals, Value::Number(limit)) => {
            parse_number(request).is_some_and(|actual| actual >= *limit)
        }
        (Op::DateEquals | Op::DateNotEquals, Value::Date(expected)) => {
            parse_date(request).is_some_and(|actual| actual == *expected)
        }
        (Op::DateLessThan, Value::Date(limit)) => {
            parse_date(request).is_some_and(|actual| actual < *limit)
        }
        (Op::DateLessThanEquals, Value::Date(limit)) => {
            parse_date(request).is_some_and(|actual| actual <= *limit)
        }
        (Op::DateGreaterThan, Value::Date(limit)) => {
            parse_date(request).is_some_and(|actual| actual > *limit)
        }
        (Op::DateGreaterThanEquals, Value::Date(limit)) => {
            parse_date(request).is_some_and(|actual| actual >= *limit)
        }
        (Op::Bool, Value::Bool(expected)) => parse_bool(request) == Some(*expected),
        (Op::BinaryEquals, Value::Binary(expected)) => {
            let decoded = base64::engine::general_purpose::STANDARD.decode(request);
            match decoded {
                Ok(bytes) => bytes == *expected,
                Err(_) => request.as_bytes() == expected.as_slice(),
            }
        }
        (Op::IpAddress | Op::NotIpAddress, Value::Ip(network)) => request
            .trim()
            .parse::<IpAddr>()
            .is_ok_and(|address| network.contains(&address)),
        (Op::ArnEquals | Op::ArnLike | Op::ArnNotEquals | Op::ArnNotLike, Value::Arn(pattern)) => {
            pattern.matches(request, variables)
        }
        _ => false,
    }
}

fn equal_ignore_case(left: &str, right: &str) -> bool {
    left.len() == right.len() && left.eq_ignore_ascii_case(right)
        || left.to_lowercase() == right.to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legacy_dates_are_read_as_iam_stores_them() {
        let at = |text: &str| parse_legacy_date(text).unwrap().unwrap().to_string();
        assert_eq!(
            at("2016-12-13t2:00:00.593194+23"),
            "2016-12-12T03:00:00.593194Z"
        );
        assert_eq!(at("01T"), "0001-01-01T00:00:00Z");
        assert_eq!(at("2019-07-01t13:20:15z"), "2019-07-01T13:20:15Z");
        assert_eq!(parse_legacy_date("-292275054"), Some(None));
        for refused in [
            "sdfdsf",
            "234-13",
            "2016-12-13t2:00:00.593194+1",
            "2016-12-13t2:00:00.1999999999+10:59",
            "9223372036854775808",
        ] {
            assert_eq!(parse_legacy_date(refused), None, "{refused}");
        }
    }

    #[test]
    fn parses_qualifiers_and_if_exists() {
        let operator = Operator::parse("ForAnyValue:StringNotLikeIfExists").unwrap();
        assert_eq!(operator.base, BaseOperator::StringNotLike);
        assert_eq!(operator.set, Some(SetQualifier::ForAnyValue));
        assert!(operator.if_exists);
        assert_eq!(operator.name(), "ForAnyValue:StringNotLikeIfExists");
    }

    #[test]
    fn unknown_operators_get_a_suggestion() {
        let error = Operator::parse("StringEqual").unwrap_err();
        assert_eq!(error.suggestion(), Some("StringEquals"));
        let error = Operator::parse("stringequals").unwrap_err();
        assert_eq!(error.suggestion(), Some("StringEquals"));
        assert!(Operator::parse("NullIfExists").is_err());
    }

    #[test]
    fn dates_in_every_accepted_form() {
        let expected = parse_date("2026-01-01T00:00:00Z").unwrap();
        for text in [
            "2026-01-01",
            "2026-01-01T00:00:00",
            "2026-01-01T01:00:00+01:00",
            "1767225600",
        ] {
            assert_eq!(parse_date(text), Some(expected), "{text}");
        }
        assert_eq!(parse_date("yesterday"), None);
    }

    #[test]
    fn networks_and_bare_addresses() {
        assert!(parse_network("10.0.0.0/8")
            .unwrap()
            .contains(&"10.1.2.3".parse::<IpAddr>().unwrap()));
        assert!(parse_network("203.0.113.7")
            .unwrap()
            .contains(&"203.0.113.7".parse::<IpAddr>().unwrap()));
        assert!(parse_network("2001:db8::/32")
            .unwrap()
            .contains(&"2001:db8::1".parse::<IpAddr>().unwrap()));
        assert!(parse_network("300.1.1.1").is_none());
    }
}
