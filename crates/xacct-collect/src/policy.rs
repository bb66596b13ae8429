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
        "s3:ListAccessPoints",
        "s3:GetAccessPoint",
        "s3:GetAccessPointPolicy",
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
        "lakeformation:ListLFTags",
        "lakeformation:ListDataCellsFilter",
        "lakeformation:GetResourceLFTags",
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

    const COLLECTOR: &str = "arn:aws:iam::111111111111:role/xacct-collector";

    /// The sources of the modules that make calls: every `action: "..."` or `call("...",`
    /// literal in them is an action the collector needs.
    /// The crate's source files but this one: every module that calls AWS, including ones
    /// added later.
    fn sources() -> Vec<String> {
        let folder = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut sources = Vec::new();
        for entry in std::fs::read_dir(folder).unwrap() {
            let path = entry.unwrap().path();
            let is_rust = path.extension().is_some_and(|extension| extension == "rs");
            if is_rust && !path.ends_with("policy.rs") {
                sources.push(std::fs::read_to_string(path).unwrap());
            }
        }
        sources
    }

    fn called_actions() -> BTreeSet<String> {
        let mut actions = BTreeSet::new();
        for source in sources() {
            for marker in ["action: ", "call("] {
                for (index, _) in source.match_indices(marker) {
                    let rest = source.get(index + marker.len()..).unwrap_or_default();
                    let Some(literal) = rest.trim_start().strip_prefix('"') else {
                        continue;
                    };
                    let action = literal.split('"').next().unwrap_or_default();
                    if action.contains(':') {
                        actions.insert(action.to_owned());
                    }
                }
            }
        }
        actions
    }

    fn policy(text: &str, kind: PolicyKind) -> SourcedPolicy {
        let parsed = parse_policy(text, kind);
        assert!(!parsed.has_errors(), "{:?}", parsed.findings);
        SourcedPolicy::new(parsed.policy, "collector policy")
    }

    /// A resource of the action's own service in the collector's account, with the resource
    /// policy AWS requires for it: KMS keys have the default key policy, which lets the
    /// account's IAM policies decide.
    fn resource_of(action: &str) -> (&'static str, Option<&'static str>) {
        match action.split(':').next().unwrap_or_default() {
            "kms" => (
                "arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab",
                Some(r#"{"Version":"2012-10-17","Statement":[{"Sid":"EnableIAMPolicies","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"kms:*","Resource":"*"}]}"#),
            ),
            "s3" => ("arn:aws:s3:::lake-b", None),
            "kinesis" => ("arn:aws:kinesis:us-east-1:111111111111:stream/events", None),
            "glue" => ("arn:aws:glue:us-east-1:111111111111:catalog", None),
            "ram" => (
                "arn:aws:ram:us-east-1:111111111111:resource-share/4b1e7c2a-9d3f-4e61-8a55-2f0c6d9e1b37",
                None,
            ),
            "organizations" => (
                "arn:aws:organizations::111111111111:organization/o-exampleorg",
                None,
            ),
            _ => ("arn:aws:iam::111111111111:role/any", None),
        }
    }

    fn decide(
        document: &str,
        action: &str,
        resource: &str,
        resource_policy: Option<&str>,
    ) -> Decision {
        let caller = Caller::parse(COLLECTOR).unwrap();
        let resource_account = resource
            .parse::<xacct_policy::Arn>()
            .ok()
            .and_then(|arn| arn.account())
            .or_else(|| Some("111111111111".parse().unwrap()));
        let request = Request::new(
            caller,
            action.parse().unwrap(),
            resource.parse().unwrap(),
            resource_account,
            Context::new(),
            PolicySet {
                identity: vec![policy(document, PolicyKind::Identity)],
                // A role's trust policy is the resource policy of sts:AssumeRole.
                resource: resource_policy.map(|text| {
                    let kind = if action.starts_with("sts:") {
                        PolicyKind::Trust
                    } else {
                        PolicyKind::Resource
                    };
                    policy(text, kind)
                }),
                ..PolicySet::default()
            },
        )
        .unwrap();
        authorize(&request).decision
    }

    fn decide_in_its_service(document: &str, action: &str) -> Decision {
        let (resource, resource_policy) = resource_of(action);
        decide(document, action, resource, resource_policy)
    }

    #[test]
    fn the_source_scan_finds_the_calls() {
        let actions = called_actions();
        // One of each service, so a change of the literals' shape cannot empty the scan.
        for action in [
            "iam:GetAccountAuthorizationDetails",
            "organizations:ListTargetsForPolicy",
            "organizations:ListAccounts",
            "s3:GetBucketAcl",
            "s3:GetAccessPointPolicy",
            "s3:GetAccountPublicAccessBlock",
            "kms:ListGrants",
            "kinesis:ListStreamConsumers",
            "glue:GetTables",
            "lakeformation:ListResources",
            "lakeformation:GetResourceLFTags",
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
        for action in called_actions() {
            assert_eq!(
                decide_in_its_service(READ_POLICY, &action),
                Decision::Allow,
                "{action}"
            );
        }
    }

    #[test]
    fn the_policy_allows_only_reads_of_configuration() {
        let called = called_actions();
        let mut allowed = BTreeSet::new();
        for service in xacct_catalog::catalog().services() {
            for action in &service.actions {
                let name = format!("{}:{}", service.prefix(), action.name);
                if decide_in_its_service(READ_POLICY, &name) != Decision::Allow {
                    continue;
                }
                assert!(
                    ["List", "Read"].contains(&action.access_level.as_str()),
                    "{name} is {}",
                    action.access_level
                );
                allowed.insert(name);
            }
        }
        // Every action the policy allows is one the collector calls. xacct's catalog does not
        // cover Organizations: its calls are read-only by name (Describe, List).
        let catalog = xacct_catalog::catalog();
        let (covered, uncovered): (BTreeSet<String>, BTreeSet<String>) = called
            .into_iter()
            .partition(|action| catalog.covers(action.split(':').next().unwrap_or_default()));
        assert_eq!(allowed, covered);
        for action in &uncovered {
            let name = action.split(':').nth(1).unwrap_or_default();
            assert!(
                action.starts_with("organizations:")
                    && (name.starts_with("Describe") || name.starts_with("List")),
                "{action}"
            );
        }
        // Reads of data, not of configuration, stay denied, and so does every write.
        for action in [
            "s3:GetObject",
            "kms:Decrypt",
            "kinesis:GetRecords",
            "glue:GetTable",
            "lakeformation:GetDataAccess",
            "iam:CreateRole",
            "s3:PutBucketPolicy",
            "kms:PutKeyPolicy",
        ] {
            assert_eq!(
                decide_in_its_service(READ_POLICY, action),
                Decision::ImplicitDeny,
                "{action}"
            );
        }
    }

    #[test]
    fn the_assume_policy_allows_only_the_named_role() {
        let document = ASSUME_POLICY.replace("NAME", "xacct-collector");
        let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"sts:AssumeRole"}]}"#;
        let assume = |role: &str| {
            decide(
                &document,
                "sts:AssumeRole",
                &format!("arn:aws:iam::222222222222:role/{role}"),
                Some(trust),
            )
        };
        assert_eq!(assume("xacct-collector"), Decision::Allow);
        assert_eq!(assume("admin"), Decision::ImplicitDeny);
        // The read policy alone assumes nothing.
        assert_eq!(
            decide(
                READ_POLICY,
                "sts:AssumeRole",
                "arn:aws:iam::222222222222:role/xacct-collector",
                Some(trust)
            ),
            Decision::ImplicitDeny
        );
    }

    #[test]
    fn docs_print_the_policies() {
        let docs = include_str!("../../../docs/collect.md");
        assert!(
            docs.contains(READ_POLICY.trim()),
            "docs/collect.md must print READ_POLICY as is"
        );
        assert!(
            docs.contains(ASSUME_POLICY.trim()),
            "docs/collect.md must print ASSUME_POLICY as is"
        );
    }
}
