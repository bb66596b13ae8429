//! A request through an S3 access point: after the access point side (identity policies and
//! the access point policy, asked on the access point ARN), the underlying bucket must allow
//! the same request: its bucket policy, asked on the bucket ARN with the access point's
//! `s3:DataAccessPoint*` keys, so a policy that delegates to access points decides it. An
//! access point with network origin VPC refuses every request that does not come from its VPC
//! (`aws:SourceVpc`), whatever the policies say.
//! <https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-points-policies.html>
//! <https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-points-vpc.html>

use super::{Entailed, FollowUp, Granted};
use xacct_world::access_point::NetworkOrigin;

/// The bucket side and the network origin of a request through an access point.
pub struct AccessPointRoute;

impl FollowUp for AccessPointRoute {
    fn entailed(&self, granted: &Granted<'_>) -> Vec<Entailed> {
        let case = granted.case;
        let Some(through) = granted.access_point() else {
            return Vec::new();
        };
        let access_point = through.access_point;
        let mut out = Vec::new();
        let source_vpc = granted.header("aws:SourceVpc");
        if let Some(refusal) = refused_by_network_origin(access_point, source_vpc) {
            out.push(Entailed::Refusal { reason: refusal });
        }
        let mut context = granted.context.to_vec();
        for (key, value) in access_point.context() {
            if !context
                .iter()
                .any(|(given, _)| given.eq_ignore_ascii_case(&key))
            {
                context.push((key, value));
            }
        }
        out.push(Entailed::Request {
            action: case.action.clone(),
            resource: through.bucket_arn(),
            context,
            note: format!(
                "for {} through access point {}: the bucket {} must allow it too (its policy delegates to access points with s3:DataAccessPointAccount or s3:DataAccessPointArn, or grants the caller)",
                case.action, access_point.name, access_point.bucket
            ),
        });
        out
    }
}

/// S3's answer to a request from `source_vpc` (none: not from a VPC) through an access point
/// whose network origin does not accept it.
pub fn refused_by_network_origin(
    access_point: &xacct_world::access_point::AccessPoint,
    source_vpc: Option<String>,
) -> Option<String> {
    let NetworkOrigin::Vpc(vpc) = &access_point.network_origin else {
        return None;
    };
    if source_vpc.as_deref() == Some(vpc.as_str()) {
        return None;
    }
    let came = source_vpc.map_or_else(
        || "the request does not come from a VPC (no aws:SourceVpc)".to_owned(),
        |other| format!("the request comes from {other}"),
    );
    Some(format!(
        "S3 refuses it (403 AccessDenied): access point {} has network origin VPC and accepts requests from {vpc} only, and {came}",
        access_point.name
    ))
}
