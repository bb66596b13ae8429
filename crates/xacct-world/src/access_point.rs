//! S3 access points: named network endpoints attached to a bucket, each with its own policy,
//! network origin and Block Public Access settings. A request through an access point is
//! authorized twice: against the access point (identity policies and the access point
//! policy, on the access point ARN) and against the underlying bucket (its bucket policy,
//! which commonly delegates to access points with `s3:DataAccessPointAccount` or
//! `s3:DataAccessPointArn`).
//! <https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-points-policies.html>
//! <https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-points-naming.html>

use crate::load::Loader;
use crate::manifest::AccessPointEntry;
use crate::model::Origin;
use crate::World;
use toml::Spanned;
use xacct_eval::{ContextValue, SourcedPolicy};
use xacct_policy::{AccountId, PolicyKind, Span};

/// Where an access point accepts requests from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NetworkOrigin {
    Internet,
    /// Only requests from this VPC (through a gateway or interface endpoint); S3 refuses the
    /// others whatever the policies say.
    Vpc(String),
}

impl NetworkOrigin {
    /// `Internet`, or `VPC (vpc-...)`.
    pub fn describe(&self) -> String {
        match self {
            Self::Internet => "Internet".to_owned(),
            Self::Vpc(vpc) => format!("VPC ({vpc})"),
        }
    }

    /// The value of `s3:AccessPointNetworkOrigin`: `Internet` or `VPC`.
    pub fn key_value(&self) -> &'static str {
        match self {
            Self::Internet => "Internet",
            Self::Vpc(_) => "VPC",
        }
    }
}

/// An S3 access point.
#[derive(Debug, Clone)]
pub struct AccessPoint {
    pub name: String,
    /// The account that owns the access point (the bucket may be another account's).
    pub account: AccountId,
    pub region: String,
    /// The bucket it serves, by name.
    pub bucket: String,
    pub policy: Option<SourcedPolicy>,
    pub network_origin: NetworkOrigin,
    /// The access point's own Block Public Access settings (all on unless stated: S3 turns
    /// them on for every new access point, and they cannot be changed afterwards).
    pub block_public_access: xacct_s3::BlockPublicAccess,
    /// The alias (`NAME-...-s3alias`) usable wherever a bucket name is, when stated.
    pub alias: Option<String>,
    pub origin: Origin,
}

impl AccessPoint {
    /// `arn:aws:s3:REGION:ACCOUNT:accesspoint/NAME`.
    pub fn arn(&self) -> String {
        format!(
            "arn:aws:s3:{}:{}:accesspoint/{}",
            self.region, self.account, self.name
        )
    }

    /// The context keys S3 sets on a request through this access point, on both sides of it.
    pub fn context(&self) -> Vec<(String, ContextValue)> {
        let single = |text: String| ContextValue::Single(text);
        vec![
            ("s3:DataAccessPointArn".to_owned(), single(self.arn())),
            (
                "s3:DataAccessPointAccount".to_owned(),
                single(self.account.to_string()),
            ),
            (
                "s3:AccessPointNetworkOrigin".to_owned(),
                single(self.network_origin.key_value().to_owned()),
            ),
        ]
    }
}

/// A request's resource, split at its access point.
#[derive(Debug, Clone)]
pub struct ThroughAccessPoint<'w> {
    pub access_point: &'w AccessPoint,
    /// The object key, or `None` for a request on the access point itself (ListBucket).
    pub key: Option<String>,
}

impl ThroughAccessPoint<'_> {
    /// The ARN of the same resource in the underlying bucket.
    pub fn bucket_arn(&self) -> String {
        match &self.key {
            Some(key) => format!("arn:aws:s3:::{}/{key}", self.access_point.bucket),
            None => format!("arn:aws:s3:::{}", self.access_point.bucket),
        }
    }
}

impl World {
    /// The access point a resource ARN names: `arn:aws:s3:REGION:ACCOUNT:accesspoint/NAME`,
    /// optionally followed by `/object/KEY`.
    pub fn through_access_point(&self, resource: &str) -> Option<ThroughAccessPoint<'_>> {
        let rest = resource.strip_prefix("arn:aws:s3:")?;
        let (base, key) = match rest.split_once("/object/") {
            Some((base, key)) => (base, Some(key.to_owned())),
            None => (rest, None),
        };
        let arn = format!("arn:aws:s3:{base}");
        let access_point = self.access_points.get(&arn)?;
        Some(ThroughAccessPoint { access_point, key })
    }

    /// A bucket-style ARN whose "bucket" is an access point alias, rewritten to the access
    /// point ARN S3 authorizes it as; any other resource as given.
    pub fn resolve_alias(&self, resource: &str) -> Option<String> {
        let path = resource.strip_prefix("arn:aws:s3:::")?;
        let (name, key) = match path.split_once('/') {
            Some((name, key)) => (name, Some(key)),
            None => (path, None),
        };
        let access_point = self
            .access_points
            .values()
            .find(|access_point| access_point.alias.as_deref() == Some(name))?;
        Some(match key {
            Some(key) => format!("{}/object/{key}", access_point.arn()),
            None => access_point.arn(),
        })
    }

    /// For the bucket side of a request through an access point (a bucket ARN asked with
    /// `s3:DataAccessPointArn` naming an access point of that bucket): the access point.
    pub fn bucket_side_of(
        &self,
        resource: &str,
        context: &xacct_eval::Context,
    ) -> Option<&AccessPoint> {
        let bucket = resource.strip_prefix("arn:aws:s3:::")?.split('/').next()?;
        let arn = match &context.entry("s3:dataaccesspointarn")?.value {
            ContextValue::Single(text) => text.clone(),
            ContextValue::Multi(_) => return None,
        };
        self.access_points
            .get(&arn)
            .filter(|access_point| access_point.bucket == bucket)
    }
}

impl Loader {
    pub(crate) fn access_point_entry(&mut self, entry: &AccessPointEntry) {
        let Some(account) = self.account(&entry.account) else {
            return;
        };
        let name = entry.name.get_ref().clone();
        let span = span_of(&entry.name);
        let bucket_name = entry.bucket.get_ref().clone();
        let Some(bucket) = self.world.buckets.get(&bucket_name) else {
            self.error(
                "unknown-bucket",
                span_of(&entry.bucket),
                format!("access point `{name}` serves bucket `{bucket_name}`, which is not declared"),
            )
            .help = Some("declare it with [[bucket]] (name, account, policy): its policy decides every request through the access point too".to_owned());
            return;
        };
        let bucket_region = bucket.region_or_default().to_owned();
        let delegates = bucket
            .policy
            .as_ref()
            .is_some_and(|policy| delegates(&policy.policy));
        let bucket_account = bucket.account;
        let region = entry.region.clone().unwrap_or(bucket_region.clone());
        if region != bucket_region {
            self.error(
                "access-point-region",
                span,
                format!("access point `{name}` is in {region} and its bucket `{bucket_name}` in {bucket_region}"),
            )
            .help = Some("an access point is created in the Region of its bucket: drop `region` or make them match".to_owned());
        }
        let network_origin = match (
            entry
                .network_origin
                .as_ref()
                .map(Spanned::get_ref)
                .map(String::as_str),
            &entry.vpc_id,
        ) {
            (None | Some("Internet" | "internet"), None) => NetworkOrigin::Internet,
            (None | Some("VPC" | "vpc"), Some(vpc)) => NetworkOrigin::Vpc(vpc.get_ref().clone()),
            (Some("VPC" | "vpc"), None) => {
                self.error(
                    "access-point-vpc",
                    span,
                    format!("access point `{name}` has network origin VPC but no `vpc_id`"),
                )
                .help = Some("say which VPC: `vpc_id = \"vpc-...\"`".to_owned());
                return;
            }
            (Some("Internet" | "internet"), Some(vpc)) => {
                self.error(
                    "access-point-vpc",
                    span_of(vpc),
                    format!("access point `{name}` has network origin Internet and a `vpc_id`"),
                )
                .help = Some("drop `vpc_id`, or set `network_origin = \"VPC\"`".to_owned());
                return;
            }
            (Some(other), _) => {
                let other = other.to_owned();
                let at = entry.network_origin.as_ref().map_or(span, span_of);
                self.error(
                    "access-point-origin",
                    at,
                    format!("network origin `{other}` is not Internet or VPC"),
                )
                .help = Some(
                    "`network_origin = \"Internet\"` or `network_origin = \"VPC\"` with `vpc_id`"
                        .to_owned(),
                );
                return;
            }
        };
        let policy = entry.policy.as_ref().and_then(|reference| {
            self.policy(
                reference,
                PolicyKind::Resource,
                format!("access point policy of {name}"),
            )
        });
        let block_public_access = entry.block_public_access.map_or(
            xacct_s3::BlockPublicAccess::ALL,
            crate::manifest::BlockPublicAccessEntry::switches,
        );
        if let (Some(policy), Some(reference)) = (&policy, &entry.policy) {
            let settings = self
                .world
                .block_public_access_with(account, block_public_access);
            if let Err(error) = xacct_s3::put_bucket_policy_allowed(&settings, &policy.policy) {
                self.warning(
                    "public-policy-blocked",
                    span_of(reference),
                    format!("S3 refuses to save this access point policy of `{name}`: {error}"),
                )
                .help = Some("an access point has every Block Public Access switch on unless it was created without them: make the policy non-public (name principals, or pin it with aws:PrincipalOrgID, aws:SourceVpc, ...)".to_owned());
            }
        }
        let access_point = crate::access_point::AccessPoint {
            name: name.clone(),
            account,
            region,
            bucket: bucket_name,
            policy,
            network_origin,
            block_public_access,
            alias: entry.alias.as_ref().map(|alias| alias.get_ref().clone()),
            origin: self.origin(span),
        };
        let arn = access_point.arn();
        if !delegates && access_point.policy.is_some() {
            let warning = self.warning(
                "access-point-not-delegated",
                span,
                format!("the bucket policy of `{}` does not delegate to access points: every request through access point `{name}` must also be granted by the bucket policy itself (or, in account {bucket_account}, by the caller's own policy on the bucket)", access_point.bucket),
            );
            warning.help = Some(format!("to let the access point policy decide, add to the bucket policy: {{\"Effect\": \"Allow\", \"Principal\": {{\"AWS\": \"*\"}}, \"Action\": \"*\", \"Resource\": [\"arn:aws:s3:::{bucket}\", \"arn:aws:s3:::{bucket}/*\"], \"Condition\": {{\"StringEquals\": {{\"s3:DataAccessPointArn\": \"{arn}\"}}}}}}", bucket = access_point.bucket));
        }
        if self.world.access_points.contains_key(&arn) {
            self.error(
                "duplicate-access-point",
                span,
                format!("access point `{arn}` is declared twice"),
            );
            return;
        }
        self.world.access_points.insert(arn, access_point);
    }
}

/// Whether a bucket policy has an Allow statement conditioned on the access point a request came
/// through (`s3:DataAccessPointArn` or `s3:DataAccessPointAccount`): the delegation AWS recommends.
fn delegates(policy: &xacct_policy::Policy) -> bool {
    policy.statements.iter().any(|statement| {
        statement.effect == xacct_policy::Effect::Allow
            && statement.conditions.iter().any(|condition| {
                matches!(
                    condition.key_lowercase.as_str(),
                    "s3:dataaccesspointarn" | "s3:dataaccesspointaccount"
                )
            })
    })
}

fn span_of<T>(value: &Spanned<T>) -> Span {
    let range = value.span();
    Span::new(range.start, range.end)
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use xacct_policy::SourceFile;

    /// The codes of the findings of a manifest with one bucket (`policy`) and one access
    /// point with a policy.
    fn codes(bucket_policy: &str) -> Vec<&'static str> {
        let manifest = format!(
            r#"
[[bucket]]
name = "reports"
account = "222222222222"
{bucket_policy}

[[access_point]]
name = "reports-ap"
account = "222222222222"
bucket = "reports"
policy = {{ inline = '''{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::111111111111:role/reader"}},"Action":"s3:GetObject","Resource":"arn:aws:s3:us-east-1:222222222222:accesspoint/reports-ap/object/*"}}]}}''' }}
"#
        );
        let loaded = crate::load_text(
            SourceFile::new("test.toml".to_owned(), manifest),
            Path::new("."),
        );
        loaded
            .findings
            .iter()
            .map(|finding| finding.finding.code)
            .collect()
    }

    #[test]
    fn an_access_point_on_a_bucket_that_does_not_delegate_is_a_warning() {
        assert_eq!(codes(""), vec!["access-point-not-delegated"]);
        let delegating = r#"policy = { inline = '''{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"*","Resource":"arn:aws:s3:::reports/*","Condition":{"StringEquals":{"s3:DataAccessPointAccount":"222222222222"}}}]}''' }"#;
        assert!(codes(delegating).is_empty(), "{:?}", codes(delegating));
    }
}
