//! S3 access points of one account and Region (S3 Control), written as:
//!
//! - `access-points.json`: `{"AccessPointList": [...]}`, each item what `aws s3control
//!   get-access-point` prints (the list's fields and the access point's Block Public Access,
//!   which `list-access-points` leaves out), with its `Name` and `AccessPointArn`;
//! - `NAME.access-point-policy.json`: `aws s3control get-access-point-policy` of each access
//!   point that has a policy.
//!
//! The importer reads both (`access-points`, `access-point-policy`): the policy's access point
//! is told by the file name, the account folder and the Region folder it is written in.
//! Access points are regional: S3 Control lists those of the Region it is called in
//! (<https://docs.aws.amazon.com/AmazonS3/latest/API/API_control_ListAccessPoints.html>).

use crate::call::{Call, Outcome, Recorder};
use crate::iam::object;
use crate::session::Session;
use aws_sdk_s3control::types::VpcConfiguration;
use serde_json::{json, Value};

/// What was read in one Region: the access point list and the policies by access point name.
pub(crate) struct Collected {
    pub(crate) list: Value,
    pub(crate) policies: Vec<(String, String)>,
}

pub(crate) async fn collect(
    session: &Session,
    recorder: &Recorder,
    region: &str,
    endpoint_url: Option<&str>,
) -> Option<Collected> {
    let mut builder = aws_sdk_s3control::config::Builder::from(&session.in_region(region));
    if let Some(url) = endpoint_url {
        builder = builder.endpoint_resolver(crate::s3::FixedEndpoint(url.to_owned()));
    }
    let client = aws_sdk_s3control::Client::from_conf(builder.build());
    let account = &session.account;
    let list_call = Call {
        action: "s3:ListAccessPoints",
        resource: "*",
        unanswerable: "which access points the account's buckets have: requests through them cannot be checked",
        absent: &[],
    };
    let mut listed = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = recorder
            .send(
                &list_call,
                client
                    .list_access_points()
                    .account_id(account)
                    .set_next_token(token.clone())
                    .send(),
            )
            .await;
        let Outcome::Got(page) = page else {
            // Nothing listed on an earlier page is lost, but a list that stopped half way
            // would read as the whole: keep none when the first page fails.
            if listed.is_empty() {
                return None;
            }
            break;
        };
        listed.extend(page.access_point_list().iter().cloned());
        let next = page.next_token().map(str::to_owned);
        if next.is_none() || next == token {
            break;
        }
        token = next;
    }
    let mut items = Vec::new();
    let mut policies = Vec::new();
    for point in listed {
        let name = point.name().to_owned();
        let arn = point.access_point_arn().map_or_else(
            || {
                format!(
                    "arn:{}:s3:{region}:{account}:accesspoint/{name}",
                    session.partition
                )
            },
            str::to_owned,
        );
        let described = recorder
            .send(
                &Call {
                    action: "s3:GetAccessPoint",
                    resource: &arn,
                    unanswerable: "the access point's Block Public Access: S3's default for a new access point (all on) is assumed",
                    absent: &[],
                },
                client
                    .get_access_point()
                    .account_id(account)
                    .name(&name)
                    .send(),
            )
            .await
            .got();
        let block = described
            .as_ref()
            .and_then(|output| output.public_access_block_configuration())
            .map(|block| crate::s3::block_json!(block));
        let mut item = vec![
            ("Name", json!(name)),
            ("NetworkOrigin", json!(point.network_origin().as_str())),
            (
                "VpcConfiguration",
                point.vpc_configuration().map_or(Value::Null, vpc_json),
            ),
            ("Bucket", json!(point.bucket())),
            ("AccessPointArn", json!(arn)),
            ("Alias", json!(point.alias())),
            ("BucketAccountId", json!(point.bucket_account_id())),
        ];
        if let Some(block) = block {
            item.push(("PublicAccessBlockConfiguration", block));
        }
        items.push(object(item));
        match recorder
            .send(
                &Call {
                    action: "s3:GetAccessPointPolicy",
                    resource: &arn,
                    unanswerable: "whom the access point policy lets in: requests through the access point look denied",
                    absent: &["NoSuchAccessPointPolicy"],
                },
                client
                    .get_access_point_policy()
                    .account_id(account)
                    .name(&name)
                    .send(),
            )
            .await
        {
            Outcome::Got(output) => {
                if let Some(policy) = output.policy().filter(|policy| !policy.is_empty()) {
                    policies.push((name, policy.to_owned()));
                }
            }
            Outcome::Absent | Outcome::Missing => {}
        }
    }
    Some(Collected {
        list: json!({ "AccessPointList": items }),
        policies,
    })
}

fn vpc_json(vpc: &VpcConfiguration) -> Value {
    json!({ "VpcId": vpc.vpc_id() })
}
