//! The least-privilege policy of the collector itself: every call `xacct collect` makes,
//! and nothing else. Attach [`READ_POLICY`] to the role or user that collects in each account;
//! with `--assume-role-name`, the caller in the first account also needs [`ASSUME_POLICY`]
//! (the role it names, in every account).
//!
//! The tests prove with xacct's own engine that the policy allows every call of the
//! collector (the actions are read from this crate's source, so a new call cannot be
//! forgotten here) and only actions AWS classes as List or Read, none of them a data read.

/// The identity policy that lets `xacct collect` read one account. `docs/collect.md`
/// prints it; the tests keep the two in step.
pub const READ_POLICY: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "XacctCollectReadConfiguration",
      "Effect": "Allow",
      "Action": [
        "iam:GetAccountAuthorizationDetails",
        "organizations:DescribeOrganization",
        "organizations:ListRoots",
        "organizations:ListOrganizationalUnitsForParent",
        "organizations:ListAccountsForParent",
        "organizations:ListAccounts",
        "organizations:ListPolicies",
        "organizations:DescribePolicy",
        "organizations:ListTargetsForPolicy",
        "s3:ListAllMyBuckets",
        "s3:GetAccountPublicAccessBlock",
        "s3:GetBucketLocation",
        "s3:GetBucketPolicy",
        "s3:GetBucketOwnershipControls",
        "s3:GetBucketPublicAccessBlock",
        "s3:GetEncryptionConfiguration",
        "s3:GetBucketAcl",
        "kms:ListKeys",
        "kms:ListAliases",
        "kms:DescribeKey",
        "kms:GetKeyPolicy",
        "kms:ListGrants",
        "kinesis:ListStreams",
        "kinesis:DescribeStreamSummary",
        "kinesis:GetResourcePolicy",
        "kinesis:ListStreamConsumers",
        "glue:GetResourcePolicy",
        "glue:GetDatabases",
        "glue:GetTables",
        "lakeformation:GetDataLakeSettings",
        "lakeformation:ListPermissions",
        "lakeformation:ListResources",
        "ram:GetResourceShares",
        "ram:ListResources",
        "ram:ListPrincipals",
        "ram:GetResourceShareInvitations"
      ],
      "Resource": "*"
    }
  ]
}
"#;

/// What the first account's caller needs besides [`READ_POLICY`] for `--all-accounts
/// --assume-role-name NAME`: to assume NAME in the other accounts. `NAME` is replaced by the
/// role name given.
pub const ASSUME_POLICY: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "XacctCollectAssumeTheCollectorRole",
      "Effect": "Allow",
      "Action": "sts:AssumeRole",
      "Resource": "arn:aws:iam::*:role/NAME"
    }
  ]
}
"#;

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;
    use xacct_eval::{authorize, Caller, Context, Decision, PolicySet, Request, SourcedPolicy};
    use xacct_policy::{parse_policy, PolicyKind};

    /// The sources of the modules that make calls: every `action: "..."` or `call("...",`
    /// literal in them is an action the collector needs.
    const SOURCES: [&str; 9] = [
        include_str!("iam.rs"),
        include_str!("organizations.rs"),
        include_str!("s3.rs"),
        include_str!("kms.rs"),
        include_str!("kinesis.rs"),
        include_str!("glue.rs"),
        include_str!("ram.rs"),
        include_str!("session.rs"),
        include_str!("account.rs"),
    ];

    fn called_actions() -> BTreeSet<String> {
        let mut actions = BTreeSet::new();
        for source in SOURCES {
            for marker in ["action: \"", "call(\"", "call(\n                \""] {
                for (index, _) in source.match_indices(marker) {
                    let rest = source.get(index + marker.len()..).unwrap_or_default();
                    let action = rest.split('"').next().unwrap_or_default();
                    if action.contains(':') {
                        actions.insert(action.to_owned());
                    }
                }
            }
        }
        actions
    }

    fn policy(text: &str) -> SourcedPolicy {
        let parsed = parse_policy(text, PolicyKind::Identity);
        assert!(!parsed.has_errors(), "{:?}", parsed.findings);
        SourcedPolicy::new(parsed.policy, "collector policy")
    }

    fn decide(document: &str, action: &str, resource: &str) -> Decision {
        let caller = Caller::parse("arn:aws:iam::111111111111:role/xacct-collector").unwrap();
        let request = Request::new(
            caller,
            action.parse().unwrap(),
            resource.parse().unwrap(),
            Some("111111111111".parse().unwrap()),
            Context::new(),
            PolicySet {
                identity: vec![policy(document)],
                ..PolicySet::default()
            },
        )
        .unwrap();
        authorize(&request).decision
    }

    #[test]
    fn the_source_scan_finds_the_calls() {
        let actions = called_actions();
        // One of each service, so a change of the literals' shape cannot empty the scan.
        for action in [
            "iam:GetAccountAuthorizationDetails",
            "organizations:ListTargetsForPolicy",
            "s3:GetBucketAcl",
            "s3:GetAccountPublicAccessBlock",
            "kms:ListGrants",
            "kinesis:ListStreamConsumers",
            "glue:GetTables",
            "lakeformation:ListResources",
            "ram:GetResourceShareInvitations",
        ] {
            assert!(
                actions.contains(action),
                "{action} not found in {actions:?}"
            );
        }
    }

    #[test]
    fn the_policy_allows_every_call_the_collector_makes() {
        let resources = [
            "arn:aws:s3:::lake-b",
            "arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab",
            "arn:aws:kinesis:us-east-1:111111111111:stream/events",
            "arn:aws:glue:us-east-1:111111111111:catalog",
            "arn:aws:iam::111111111111:root",
        ];
        for action in called_actions() {
            for resource in resources {
                assert_eq!(
                    decide(READ_POLICY, &action, resource),
                    Decision::Allow,
                    "{action} on {resource}"
                );
            }
        }
    }

    #[test]
    fn the_policy_allows_only_reads_of_configuration() {
        let document = policy(READ_POLICY);
        let catalog = xacct_catalog::catalog();
        let mut allowed = 0;
        for service in catalog.services() {
            for action in &service.actions {
                let name = format!("{}:{}", service.prefix(), action.name);
                if decide(READ_POLICY, &name, "arn:aws:s3:::lake-b") != Decision::Allow {
                    continue;
                }
                allowed += 1;
                assert!(
                    ["List", "Read"].contains(&action.access_level.as_str()),
                    "{name} is {}",
                    action.access_level
                );
            }
        }
        assert_eq!(allowed, called_actions().len(), "{document:?}");
        // Reads of data, not of configuration, stay denied.
        for action in [
            "s3:GetObject",
            "kms:Decrypt",
            "kinesis:GetRecords",
            "glue:GetTable",
            "lakeformation:GetDataAccess",
            "sts:AssumeRole",
            "iam:CreateRole",
            "s3:PutBucketPolicy",
        ] {
            assert_eq!(
                decide(READ_POLICY, action, "arn:aws:s3:::lake-b"),
                Decision::ImplicitDeny,
                "{action}"
            );
        }
    }

    #[test]
    fn the_assume_policy_allows_only_the_named_role() {
        let document = ASSUME_POLICY.replace("NAME", "xacct-collector");
        assert_eq!(
            decide(
                &document,
                "sts:AssumeRole",
                "arn:aws:iam::222222222222:role/xacct-collector"
            ),
            Decision::Allow
        );
        assert_eq!(
            decide(
                &document,
                "sts:AssumeRole",
                "arn:aws:iam::222222222222:role/admin"
            ),
            Decision::ImplicitDeny
        );
    }

    #[test]
    fn docs_print_the_policy() {
        let docs = include_str!("../../../docs/collect.md");
        assert!(
            docs.contains(READ_POLICY.trim()),
            "docs/collect.md must print READ_POLICY as is"
        );
    }
}
