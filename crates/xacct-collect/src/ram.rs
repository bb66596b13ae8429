//! AWS RAM of one Region. Written as:
//!
//! - `ram-resource-shares.json`: the bundle `xacct import` reads, merging `get-resource-shares
//!   --resource-owner SELF`, `list-resources --resource-owner SELF`, `list-principals
//!   --resource-owner SELF` and `get-resource-share-invitations`;
//! - `ram-received-shares.json`: `{"ReceivedResourceShares": <get-resource-shares
//!   --resource-owner OTHER-ACCOUNTS>}`, the shares others made with this account. The
//!   owner's bundle is what xacct reads a share from; this file is kept for the record and
//!   is not imported (the manifest lists it as skipped).
//!
//! Each value is the raw JSON response (RAM's members are camelCase, as the CLI prints them).

use crate::call::{Call, Recorder};
use crate::session::Session;
use aws_sdk_ram::types::ResourceOwner;
use serde_json::{Map, Value};

pub(crate) async fn collect(
    session: &Session,
    recorder: &Recorder,
    region: &str,
) -> Vec<(&'static str, Value)> {
    let client = aws_sdk_ram::Client::new(&session.in_region(region));
    let call = |action, unanswerable| Call {
        action,
        resource: "*",
        unanswerable,
        absent: &[],
    };
    let mut bundle = Map::new();
    if let Some(shares) = recorder
        .raw_pages(
            &call(
                "ram:GetResourceShares",
                "which Glue resources the account shares, and with whom",
            ),
            &["resourceShares"],
            "nextToken",
            page!(
                client
                    .get_resource_shares()
                    .resource_owner(ResourceOwner::SelfValue),
                set_next_token
            ),
        )
        .await
        .got()
    {
        bundle.extend(object(shares));
    }
    if let Some(resources) = recorder
        .raw_pages(
            &call("ram:ListResources", "what the account's shares hold"),
            &["resources"],
            "nextToken",
            page!(
                client
                    .list_resources()
                    .resource_owner(ResourceOwner::SelfValue),
                set_next_token
            ),
        )
        .await
        .got()
    {
        bundle.extend(object(resources));
    }
    if let Some(principals) = recorder
        .raw_pages(
            &call(
                "ram:ListPrincipals",
                "whom the account's shares are shared with",
            ),
            &["principals"],
            "nextToken",
            page!(
                client
                    .list_principals()
                    .resource_owner(ResourceOwner::SelfValue),
                set_next_token
            ),
        )
        .await
        .got()
    {
        bundle.extend(object(principals));
    }
    if let Some(invitations) = recorder
        .raw_pages(
            &call(
                "ram:GetResourceShareInvitations",
                "whether shares with this account were accepted",
            ),
            &["resourceShareInvitations"],
            "nextToken",
            page!(client.get_resource_share_invitations(), set_next_token),
        )
        .await
        .got()
    {
        bundle.extend(object(invitations));
    }
    let mut files = Vec::new();
    if !bundle.is_empty() {
        files.push(("ram-resource-shares.json", Value::Object(bundle)));
    }
    if let Some(received) = recorder
        .raw_pages(
            &call(
                "ram:GetResourceShares",
                "which shares other accounts made with this one",
            ),
            &["resourceShares"],
            "nextToken",
            page!(
                client
                    .get_resource_shares()
                    .resource_owner(ResourceOwner::OtherAccounts),
                set_next_token
            ),
        )
        .await
        .got()
    {
        let mut wrapped = Map::new();
        wrapped.insert("ReceivedResourceShares".to_owned(), received);
        files.push(("ram-received-shares.json", Value::Object(wrapped)));
    }
    files
}

fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}
