//! Who can, through an S3 access point: a principal the access point side allows (identity
//! policies and the access point policy) can only if the underlying bucket allows the same
//! request too, and a VPC access point accepts requests from its VPC only (see
//! `crate::follow_up::access_point`).

use super::{WhoCanError, WhoCanQuery};
use crate::search::Step;
use xacct_eval::authorize;
use xacct_world::{Session, World};

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
