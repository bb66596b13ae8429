//! What xacct takes for granted about a request it cannot see: when it is made, which Region
//! it is sent to, and that it travels over TLS. AWS puts these keys in every request context
//! (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html>:
//! `aws:CurrentTime`, `aws:EpochTime`, `aws:RequestedRegion`, `aws:SecureTransport`,
//! `aws:ViaAWSService` are "always included in the request context"), so a Deny written on
//! them must apply; every answer says the values it used, as an [`Assumption`].

use crate::context::{Context, ContextValue};
use crate::matching::{check, Element, StatementMatch};
use crate::request::Request;
use serde::Serialize;
use std::fmt;
use xacct_policy::{
    ActionName, Arn, ConditionContext, Effect, Finding, RequestValues, SourcedFinding,
};

/// One thing an answer rests on that the user did not state. Other parts of xacct add their
/// own kinds (external ids, resources assumed to have no policy) to the same shape.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Assumption {
    /// A stable name for programs: `time`, `region`, `secure-transport`, ...
    pub kind: &'static str,
    /// The sentence shown after `assumed:`.
    pub detail: String,
}

impl Assumption {
    pub fn new(kind: &'static str, detail: impl Into<String>) -> Self {
        Self {
            kind,
            detail: detail.into(),
        }
    }
}

/// Adds `assumption` unless an equal one is already listed.
pub fn add_assumption(list: &mut Vec<Assumption>, assumption: Assumption) {
    if !list.contains(&assumption) {
        list.push(assumption);
    }
}

/// Keys the global-keys page says every request carries. xacct fills those it can know
/// (time, Region, TLS, `aws:ViaAWSService`, the principal keys); the others (`aws:userid` of a
/// role session, `aws:UserAgent`, `aws:SourceIp`, which only a VPC endpoint removes) are the
/// ones whose absence `eval` warns about when a Deny is skipped for it.
pub const ALWAYS_PRESENT: [&str; 11] = [
    "aws:currenttime",
    "aws:epochtime",
    "aws:requestedregion",
    "aws:securetransport",
    "aws:viaawsservice",
    "aws:principalarn",
    "aws:principalaccount",
    "aws:principaltype",
    "aws:userid",
    "aws:useragent",
    "aws:sourceip",
];

/// True for a key AWS always sends (lowercased name).
pub fn is_always_present(key_lowercase: &str) -> bool {
    ALWAYS_PRESENT.contains(&key_lowercase)
}

/// The moment requests are made: the clock when xacct runs, or a time pinned with `--at`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestTime {
    /// Whole seconds: AWS's `aws:CurrentTime` carries no fraction.
    pub at: jiff::Timestamp,
    /// True when the user pinned it (`--at`).
    pub pinned: bool,
}

/// A `--at` value that is not an RFC 3339 time.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{text}` is not an RFC 3339 time: write it as `2026-12-07T09:30:00Z`")]
pub struct InvalidTime {
    pub text: String,
}

fn whole_seconds(at: jiff::Timestamp) -> jiff::Timestamp {
    jiff::Timestamp::from_second(at.as_second()).unwrap_or(at)
}

impl RequestTime {
    /// Now, from the system clock.
    pub fn now() -> Self {
        Self {
            at: whole_seconds(jiff::Timestamp::now()),
            pinned: false,
        }
    }

    /// A time the user chose.
    pub fn pinned(at: jiff::Timestamp) -> Self {
        Self {
            at: whole_seconds(at),
            pinned: true,
        }
    }

    /// Reads `--at`: RFC 3339 with an offset (`2026-12-07T09:30:00Z`, `...+01:00`).
    pub fn parse(text: &str) -> Result<Self, InvalidTime> {
        text.trim()
            .parse::<jiff::Timestamp>()
            .map(Self::pinned)
            .map_err(|_| InvalidTime {
                text: text.to_owned(),
            })
    }

    /// `aws:CurrentTime` as AWS writes it (ISO 8601, UTC, whole seconds).
    pub fn current_time(&self) -> String {
        self.at.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
    }

    /// `aws:EpochTime`: seconds since 1970.
    pub fn epoch_time(&self) -> String {
        self.at.as_second().to_string()
    }

    pub fn assumption(&self) -> Assumption {
        let how = if self.pinned {
            "pinned with --at"
        } else {
            "the clock when xacct ran; pin it with --at"
        };
        Assumption::new(
            "time",
            format!(
                "requests are made at {} ({how}): aws:CurrentTime and aws:EpochTime",
                self.current_time()
            ),
        )
    }
}

impl Default for RequestTime {
    /// The clock: a library caller that says nothing gets the present, as AWS would.
    fn default() -> Self {
        Self::now()
    }
}

impl fmt::Display for RequestTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.current_time())
    }
}

/// The Region xacct assumes a client without settings calls, for resources whose ARN names
/// none: the SDKs' and the documentation's default, and where IAM's one endpoint is.
pub const DEFAULT_REGION: &str = "us-east-1";

/// Services with one endpoint in us-east-1: their requests always carry that Region
/// ("IAM calls are always made to the us-east-1 Region", global-keys page,
/// `aws:RequestedRegion`).
const GLOBAL_SERVICES: [&str; 5] = [
    "iam",
    "organizations",
    "cloudfront",
    "route53",
    "globalaccelerator",
];

/// The Region a request is sent to, and how xacct knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestedRegion {
    pub region: String,
    /// Why this Region, for the `assumed:` line.
    pub reason: String,
}

impl RequestedRegion {
    pub fn new(region: impl Into<String>, reason: impl Into<String>) -> Self {
        Self {
            region: region.into(),
            reason: reason.into(),
        }
    }

    pub fn assumption(&self) -> Assumption {
        Assumption::new(
            "region",
            format!("aws:RequestedRegion is {} ({})", self.region, self.reason),
        )
    }
}

/// The Region of a request when nothing but the request is known: a global service's
/// endpoint, the resource ARN's Region, else [`DEFAULT_REGION`]. Callers that know more (a
/// bucket's declared Region, a client's settings) decide before falling back to this.
pub fn requested_region(action: &ActionName, resource: &Arn) -> RequestedRegion {
    let service = action.service();
    if GLOBAL_SERVICES.contains(&service) {
        return RequestedRegion::new(
            DEFAULT_REGION,
            format!("`{service}` has a single endpoint, in {DEFAULT_REGION}"),
        );
    }
    if let Some(region) = Some(resource.region()).filter(|region| !region.is_empty()) {
        return RequestedRegion::new(region, "the Region in the resource ARN");
    }
    if service == "sts" {
        return RequestedRegion::new(
            DEFAULT_REGION,
            format!("STS called without a Region goes to its global endpoint, in {DEFAULT_REGION}; give aws:RequestedRegion to change it"),
        );
    }
    RequestedRegion::new(
        DEFAULT_REGION,
        "the resource ARN names no Region, so the default client Region is assumed; give aws:RequestedRegion to change it",
    )
}

impl Context {
    /// Adds the keys AWS puts in every request and that xacct can know, without replacing
    /// values the user supplied. Returns what was assumed, for the answer to show.
    pub fn fill_always_present(
        &mut self,
        time: RequestTime,
        region: &RequestedRegion,
    ) -> Vec<Assumption> {
        let mut assumed = Vec::new();
        let supplied = |context: &Self, key: &str| context.entry(key).is_some();
        let time_given = supplied(self, "aws:currenttime") && supplied(self, "aws:epochtime");
        if !time_given {
            assumed.push(time.assumption());
        }
        self.derive("aws:CurrentTime", ContextValue::Single(time.current_time()));
        self.derive("aws:EpochTime", ContextValue::Single(time.epoch_time()));
        if !supplied(self, "aws:requestedregion") {
            assumed.push(region.assumption());
        }
        self.derive(
            "aws:RequestedRegion",
            ContextValue::Single(region.region.clone()),
        );
        if !supplied(self, "aws:securetransport") {
            assumed.push(Assumption::new(
                "secure-transport",
                "aws:SecureTransport is true: SDKs and the CLI call AWS over TLS",
            ));
        }
        self.derive(
            "aws:SecureTransport",
            ContextValue::Single("true".to_owned()),
        );
        // False unless a service forwards the caller's credentials (forward access sessions),
        // which a request naming the caller directly is not. A request that says which service
        // it came through (`kms:ViaService`, `aws:CalledVia`) is such a forwarded request: "FAS
        // is used by Amazon S3 to make calls to AWS Key Management Service to decrypt an object"
        // (<https://docs.aws.amazon.com/IAM/latest/UserGuide/access_forward_access_sessions.html>),
        // and aws:ViaAWSService is true for it, which AWS's own IP fences rely on to spare
        // those calls (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_examples_aws_deny-ip.html>).
        let forwarded = ["kms:viaservice", "aws:calledvia"].iter().any(|key| {
            self.entry(key).is_some_and(|entry| match &entry.value {
                ContextValue::Single(value) => !value.is_empty(),
                ContextValue::Multi(values) => !values.is_empty(),
            })
        });
        let via_aws_service = if forwarded { "true" } else { "false" };
        self.derive(
            "aws:ViaAWSService",
            ContextValue::Single(via_aws_service.to_owned()),
        );
        assumed
    }
}

/// Warnings for Deny statements that missed only because the request lacks a key AWS always
/// sends (`aws:userid` of a role session, `aws:UserAgent`, `aws:SourceIp`, or one the user
/// removed): in AWS the key is there, and the Deny may well apply. Each warning points at the
/// condition's key.
pub fn denies_skipped_for_absent_keys(request: &Request) -> Vec<SourcedFinding> {
    let mut warnings = Vec::new();
    for policy in request.policies.every() {
        let Some(source) = &policy.source else {
            continue;
        };
        for statement in &policy.policy.statements {
            if statement.effect != Effect::Deny
                || check(statement, request) != StatementMatch::Misses(vec![Element::Condition])
            {
                continue;
            }
            let failing: Vec<_> = statement
                .conditions
                .iter()
                .filter(|condition| !condition.holds(&request.context, statement.effect))
                .collect();
            let only_absent_always_present = failing.iter().all(|condition| {
                is_always_present(&condition.key_lowercase)
                    && matches!(
                        request.context.lookup(&condition.key_lowercase),
                        RequestValues::Absent
                    )
            });
            if failing.is_empty() || !only_absent_always_present {
                continue;
            }
            for condition in failing {
                let sid = statement
                    .sid
                    .as_ref()
                    .map(|sid| format!("`{}`", sid.value))
                    .unwrap_or_else(|| format!("#{}", statement.index));
                warnings.push(
                    Finding::warning(
                        "deny-skipped-for-absent-key",
                        condition.key_span,
                        format!(
                            "Deny {sid} of {} was skipped only because the request has no `{}`, a key AWS always sends",
                            policy.label, condition.key
                        ),
                    )
                    .with_help(format!(
                        "give `{}` in the request's `context` to decide it as AWS would",
                        condition.key
                    ))
                    .in_source(source),
                );
            }
        }
    }
    warnings
}

#[cfg(test)]
mod tests {
    use super::*;

    fn region_of(action: &str, resource: &str) -> String {
        requested_region(&action.parse().unwrap(), &resource.parse().unwrap()).region
    }

    #[test]
    fn the_region_follows_the_endpoint_then_the_arn_then_the_default() {
        assert_eq!(
            region_of("iam:GetRole", "arn:aws:iam::111111111111:role/r"),
            "us-east-1"
        );
        assert_eq!(
            region_of("kms:Decrypt", "arn:aws:kms:eu-west-1:111111111111:key/k"),
            "eu-west-1"
        );
        assert_eq!(region_of("s3:GetObject", "arn:aws:s3:::b/k"), "us-east-1");
    }

    #[test]
    fn time_is_rfc3339_in_whole_seconds() {
        let time = RequestTime::parse("2026-12-07T09:30:00.75+01:00").unwrap();
        assert_eq!(time.current_time(), "2026-12-07T08:30:00Z");
        assert_eq!(time.epoch_time(), "1796632200");
        assert!(time.pinned);
        assert!(RequestTime::parse("yesterday").is_err());
        assert!(RequestTime::parse("2026-12-07").is_err());
    }

    #[test]
    fn supplied_values_win_and_are_not_reported_as_assumed() {
        let mut context = Context::new();
        context
            .insert(
                "aws:RequestedRegion",
                ContextValue::Single("eu-west-3".into()),
            )
            .unwrap();
        let time = RequestTime::parse("2026-12-07T00:00:00Z").unwrap();
        let assumed = context.fill_always_present(time, &RequestedRegion::new("us-east-1", "test"));
        assert_eq!(context.single("aws:requestedregion"), Some("eu-west-3"));
        assert_eq!(
            context.single("aws:currenttime"),
            Some("2026-12-07T00:00:00Z")
        );
        assert_eq!(context.single("aws:securetransport"), Some("true"));
        let kinds: Vec<&str> = assumed.iter().map(|a| a.kind).collect();
        assert_eq!(kinds, ["time", "secure-transport"]);
    }
}
