//! Which requests organization policies reach.
//!
//! RCPs apply only to the services AWS lists as supporting them; the list has grown from five
//! services at launch (November 2024) and is kept here as dated data.
//! Source: <https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps.html>,
//! "List of AWS services that support RCPs", as read on 2026-11-23 (see docs/research-notes.md, Q12).

/// Service prefixes whose actions RCPs restrict.
pub const RCP_SERVICES: &[&str] = &[
    "aoss",
    "appconfig",
    "appstream",
    "autoscaling",
    "autoscaling-plans",
    "budgets",
    "clouddirectory",
    "cloudfront",
    "cloudsearch",
    "cloudtrail-data",
    "codeartifact",
    "codebuild",
    "codecommit",
    "codepipeline",
    "cognito-identity",
    "cognito-idp",
    "comprehend",
    "comprehendmedical",
    "compute-optimizer",
    "cost-optimization-hub",
    "dax",
    "dsql",
    "dynamodb",
    "ecr",
    "ecr-public",
    "events",
    "firehose",
    "fis",
    "fms",
    "gamelift",
    "health",
    "inspector-scan",
    "kendra",
    "kinesisvideo",
    "kms",
    "logs",
    "memorydb",
    "networkmonitor",
    "notifications",
    "opensearch",
    "pca-connector-ad",
    "personalize",
    "polly",
    "pricing",
    "resource-groups",
    "rolesanywhere",
    "s3",
    "secretsmanager",
    "servicediscovery",
    "signin",
    "sqs",
    "sts",
    "support",
    "swf",
    "textract",
    "timestream-influxdb",
    "transcribe",
    "transfer",
    "translate",
    "wafv2",
    "workspaces",
    "xray",
];

/// Whether RCPs restrict `action` (a lowercased `service:name`). `kms:RetireGrant` is exempt.
pub fn rcps_cover(action_lowercase: &str) -> bool {
    let service = action_lowercase.split(':').next().unwrap_or_default();
    RCP_SERVICES.contains(&service) && action_lowercase != "kms:retiregrant"
}
