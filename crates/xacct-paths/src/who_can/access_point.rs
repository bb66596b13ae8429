//! Who can, through an S3 access point: a principal the access point side allows (identity
//! policies and the access point policy) can only if the underlying bucket allows the same
//! request too, and a VPC access point accepts requests from its VPC only (see
//! `crate::follow_up::access_point`).
//!
//! A question on a bucket or its objects is also asked through each access point of the
//! bucket: the same data is reached by the access point's ARN, and a principal that can only
//! that way can all the same (answering without it would under-report who reaches the
//! data). Objects are reached through every access point; the bucket itself only by the
//! listing actions access points serve
//! (<https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-points-service-api-support.html>).

use super::{Reach, WhoCan, WhoCanError, WhoCanQuery};
use crate::callers::CallerIndex;
use crate::search::Step;
use serde::Serialize;
use xacct_eval::{authorize, ContextValue};
use xacct_world::{Session, World};

/// The access point a principal reaches a bucket's data through.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Route {
    /// The access point's ARN.
    pub arn: String,
    /// For an access point of VPC origin, asked without `aws:SourceVpc`: the VPC the request
    /// must come from, which the answer assumed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from_vpc: Option<String>,
}

/// Bucket-level actions an access point serves (its ARN stands for the bucket).
const BUCKET_ACTIONS: [&str; 2] = ["s3:ListBucket", "s3:ListBucketMultipartUploads"];

/// The same request through each access point of the bucket `resource` names (a bucket or
/// object ARN): each access point's ARN, and the resource through it. Empty for any other
/// resource, and for a bucket-level action access points do not serve.
pub(crate) fn routes_of<'w>(
    world: &'w World,
    action: &str,
    resource: &str,
) -> Vec<(&'w xacct_world::access_point::AccessPoint, String)> {
    let Some((_, rest)) = resource.split_once(":s3:::") else {
        return Vec::new();
    };
    let (bucket, key) = match rest.split_once('/') {
        Some((bucket, key)) => (bucket, Some(key)),
        None => (rest, None),
    };
    if key.is_none()
        && !BUCKET_ACTIONS
            .iter()
            .any(|known| known.eq_ignore_ascii_case(action))
    {
        return Vec::new();
    }
    world
        .access_points
        .values()
        .filter(|access_point| access_point.bucket == bucket)
        .map(|access_point| {
            let arn = access_point.arn();
            let through = match key {
                Some(key) => format!("{arn}/object/{key}"),
                None => arn,
            };
            (access_point, through)
        })
        .collect()
}

/// Adds to `answer` the principals that reach `query`'s bucket or object through an access
/// point of the bucket.
pub(super) fn add_routes(
    world: &World,
    callers: &CallerIndex<'_>,
    prepared: &super::Prepared,
    query: &WhoCanQuery,
    answer: &mut WhoCan,
) -> Result<(), WhoCanError> {
    let has_vpc = query
        .context
        .iter()
        .any(|(key, _)| key.eq_ignore_ascii_case("aws:SourceVpc"));
    let mut added = Vec::new();
    for (access_point, resource) in routes_of(world, &query.action, &query.resource) {
        let arn = access_point.arn();
        let mut context = query.context.clone();
        let from_vpc = match &access_point.network_origin {
            xacct_world::access_point::NetworkOrigin::Vpc(vpc) if !has_vpc => {
                context.push((
                    "aws:SourceVpc".to_owned(),
                    ContextValue::Single(vpc.clone()),
                ));
                Some(vpc.clone())
            }
            _ => None,
        };
        let through = super::who_can_prepared(
            world,
            callers,
            prepared,
            &WhoCanQuery {
                resource,
                context,
                ..query.clone()
            },
        )?;
        answer.evaluated += through.evaluated;
        answer.screened += through.screened;
        for mut reach in through.principals {
            reach.access_point = Some(Route {
                arn: arn.clone(),
                from_vpc: from_vpc.clone(),
            });
            added.push(reach);
        }
    }
    // A principal that can directly needs no access point to be listed.
    let direct = |reach: &Reach| {
        answer.principals.iter().any(|known| {
            known.access_point.is_none()
                && known.principal == reach.principal
                && known.kind == reach.kind
                && known.chain == reach.chain
        })
    };
    let added: Vec<Reach> = added.into_iter().filter(|reach| !direct(reach)).collect();
    answer.principals.extend(added);
    Ok(())
}

/// What the access point adds to a principal's answer.
pub(super) enum Via {
    /// The request does not go through an access point.
    Direct,
    /// S3 refuses it whatever the policies say.
    Refused,
    /// The bucket side, decided.
    Bucket(Box<Step>),
}

/// The bucket side of `session`'s request through the access point `query` names.
pub(super) fn bucket_side(
    world: &World,
    session: &Session,
    query: &WhoCanQuery,
) -> Result<Via, WhoCanError> {
    let Some(through) = world.through_access_point(&query.resource) else {
        return Ok(Via::Direct);
    };
    let access_point = through.access_point;
    let source_vpc = query.context.iter().find_map(|(key, value)| match value {
        xacct_eval::ContextValue::Single(text) if key.eq_ignore_ascii_case("aws:SourceVpc") => {
            Some(text.clone())
        }
        _ => None,
    });
    if crate::follow_up::access_point::refused_by_network_origin(access_point, source_vpc).is_some()
    {
        return Ok(Via::Refused);
    }
    let mut context = query.context.clone();
    for (key, value) in access_point.context() {
        if !context
            .iter()
            .any(|(given, _)| given.eq_ignore_ascii_case(&key))
        {
            context.push((key, value));
        }
    }
    let request = world
        .request(session, &query.action, &through.bucket_arn(), &context)
        .map_err(|error| WhoCanError(error.to_string()))?;
    let response = authorize(&request);
    Ok(Via::Bucket(Box::new(Step { request, response })))
}
