//! Worlds read from AWS exports: `get-account-authorization-details` (as the CLI prints it and
//! as the raw API returns it, URL-encoded), an organizations bundle and a bucket policy.
#![expect(
    clippy::unwrap_used,
    reason = "a helper that cannot read its fixture fails the test"
)]

mod common;

use common::{account, listing};
use std::path::PathBuf;
use xacct_eval::{authorize, Decision};
use xacct_policy::{PrincipalEntry, Severity, SourceFile};
use xacct_world::session::{Principal, Session};
use xacct_world::{load, load_text, Loaded};

const ROLE_A: &str = "arn:aws:iam::111111111111:role/MyRoleA";
const ROLE_B: &str = "arn:aws:iam::222222222222:role/MyRoleB";

fn fixtures() -> PathBuf {
    common::fixtures("")
}

fn scenario() -> Loaded {
    common::scenario_in(&fixtures())
}

/// A manifest written on the fly, with paths relative to the fixtures.
fn manifest(text: &str) -> Loaded {
    common::manifest_in(&fixtures(), text)
}

#[test]
fn the_scenario_loads_without_errors() {
    let loaded = scenario();
    assert!(!loaded.has_errors(), "{}", listing(&loaded));
    let world = &loaded.world;
    let roles: Vec<&str> = world.roles.keys().map(String::as_str).collect();
    assert_eq!(
        roles,
        [
            ROLE_A,
            ROLE_B,
            "arn:aws:iam::222222222222:role/aws-service-role/support.amazonaws.com/AWSServiceRoleForSupport",
        ]
    );
    // Only the two AWS-managed policies the exports lack are worth a word.
    let codes: Vec<&str> = loaded
        .findings
        .iter()
        .map(|finding| finding.finding.code)
        .collect();
    assert_eq!(
        codes,
        ["unexported-managed-policy", "unexported-managed-policy"],
        "{}",
        listing(&loaded)
    );
}

#[test]
fn trust_policies_are_read_from_objects_and_from_url_encoded_strings() {
    let world = scenario().world;
    let role_a = &world.roles[ROLE_A];
    let principals: Vec<&PrincipalEntry> = role_a.trust.policy.statements[0]
        .principal
        .as_ref()
        .unwrap()
        .entries
        .iter()
        .map(|entry| &entry.value)
        .collect();
    assert_eq!(
        principals,
        [&PrincipalEntry::Service {
            name: "ec2.amazonaws.com".to_owned()
        }]
    );
    // The CLI form: the trust policy's spans point into the export itself.
    let source = role_a.trust.source.as_ref().unwrap();
    assert!(
        source
            .name
            .ends_with("111111111111/authorization-details.json"),
        "{}",
        source.name
    );

    let role_b = &world.roles[ROLE_B];
    let statement = &role_b.trust.policy.statements[0];
    let principal = &statement.principal.as_ref().unwrap().entries[0].value;
    assert!(
        matches!(principal, PrincipalEntry::Role { account: found, name, .. } if *found == account("111111111111") && name == "MyRoleA"),
        "{principal:?}"
    );
    assert_eq!(statement.conditions.len(), 1);
    // The raw API form: decoded into a file of its own, named after the export and the place.
    let source = role_b.trust.source.as_ref().unwrap();
    assert!(
        source.name.ends_with("222222222222/authorization-details.json (AssumeRolePolicyDocument of MyRoleB, decoded)"),
        "{}",
        source.name
    );
    assert!(
        source.text().starts_with(r#"{"Version":"2012-10-17""#),
        "{}",
        source.text()
    );
}

#[test]
fn url_encoded_inline_and_managed_policies_are_decoded() {
    let world = scenario().world;
    let role_b = &world.roles[ROLE_B];
    let labels: Vec<&str> = role_b
        .policies
        .iter()
        .map(|policy| policy.label.as_str())
        .collect();
    assert_eq!(
        labels,
        [
            "inline policy ReadSharedDataBucket of arn:aws:iam::222222222222:role/MyRoleB",
            "managed policy arn:aws:iam::222222222222:policy/DataAuditLogging (v1)",
        ]
    );
    let sids: Vec<&str> = role_b
        .policies
        .iter()
        .flat_map(|policy| &policy.policy.statements)
        .map(|statement| statement.sid.as_ref().unwrap().value.as_str())
        .collect();
    assert_eq!(sids, ["ReadObjects", "WriteAuditLogs"]);
    let service_linked = world
        .roles
        .values()
        .find(|role| role.name == "AWSServiceRoleForSupport")
        .unwrap();
    assert!(service_linked.service_linked);
    assert_eq!(
        service_linked.path,
        "/aws-service-role/support.amazonaws.com/"
    );
}

#[test]
fn managed_policies_take_their_default_version() {
    let world = scenario().world;
    let role_a = &world.roles[ROLE_A];
    let labels: Vec<&str> = role_a
        .policies
        .iter()
        .map(|policy| policy.label.as_str())
        .collect();
    assert_eq!(
        labels,
        [
            "inline policy AssumeMyRoleB of arn:aws:iam::111111111111:role/MyRoleA",
            "managed policy arn:aws:iam::111111111111:policy/ReadSharedData (v2)",
        ]
    );
    let sids: Vec<&str> = role_a
        .policies
        .iter()
        .flat_map(|policy| &policy.policy.statements)
        .filter_map(|statement| statement.sid.as_ref())
        .map(|sid| sid.value.as_str())
        .collect();
    // v1 (`EverythingInS3`) is an old version: it grants nothing.
    assert_eq!(sids, ["AssumeDataRole", "ReadSharedDataBucket"]);
    assert_eq!(role_a.tags.get("env").map(String::as_str), Some("prod"));
    assert_eq!(role_a.max_session_duration, 3600);
    assert!(!role_a.service_linked);
}

#[test]
fn an_attached_policy_absent_from_the_export_is_reported_with_its_name_and_place() {
    let loaded = scenario();
    let finding = loaded
        .findings
        .iter()
        .find(|finding| {
            finding
                .finding
                .message
                .contains("AmazonSSMManagedInstanceCore")
        })
        .unwrap_or_else(|| panic!("no finding names the policy:\n{}", listing(&loaded)));
    assert_eq!(finding.finding.severity, Severity::Warning);
    assert_eq!(finding.finding.code, "unexported-managed-policy");
    assert!(finding
        .finding
        .message
        .contains("arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"));
    assert!(
        finding.finding.message.contains(ROLE_A),
        "{}",
        finding.finding.message
    );
    // The `PolicyArn` value of the attachment, in the export.
    let location = finding.location();
    assert!(
        location.ends_with("111111111111/authorization-details.json:129:34"),
        "{location}"
    );
    assert!(finding
        .finding
        .help
        .as_deref()
        .unwrap_or_default()
        .contains("AWSManagedPolicy"));
}

#[test]
fn instance_profiles_come_from_the_roles_that_hold_them() {
    let world = scenario().world;
    let profile = "arn:aws:iam::111111111111:instance-profile/MyRoleA";
    assert_eq!(world.instance_profiles[profile].role, ROLE_A);
    assert_eq!(
        world.instance_profiles[profile].account,
        account("111111111111")
    );
    assert_eq!(world.profile_role(profile).unwrap().name, "MyRoleA");
}

#[test]
fn users_get_their_groups_policies_and_their_boundary() {
    let world = scenario().world;
    let alice = &world.users["arn:aws:iam::111111111111:user/alice"];
    assert_eq!(alice.groups, ["Developers"]);
    let labels: Vec<&str> = alice
        .policies
        .iter()
        .map(|policy| policy.label.as_str())
        .collect();
    assert_eq!(
        labels,
        [
            "inline policy DescribeInstances of arn:aws:iam::111111111111:group/Developers",
            "managed policy arn:aws:iam::111111111111:policy/ReadSharedData (v2)",
        ]
    );
    let boundary = alice.boundary.as_ref().unwrap();
    assert_eq!(boundary.policy.kind, xacct_policy::PolicyKind::Boundary);
    assert!(
        boundary.label.contains("DeveloperBoundary"),
        "{}",
        boundary.label
    );
    assert_eq!(
        alice.tags.get("team").map(String::as_str),
        Some("analytics")
    );
    assert!(world
        .groups
        .contains_key("arn:aws:iam::111111111111:group/Developers"));
}

#[test]
fn the_organization_gives_each_account_its_scp_levels() {
    let world = scenario().world;
    let organization = world.organization.as_ref().unwrap();
    assert_eq!(organization.id, "o-a1b2c3d4e5");
    assert_eq!(organization.management_account, account("999999999999"));
    assert_eq!(organization.units["root"].id, "r-a1b2");
    assert_eq!(
        organization.units["Prod"].parent.as_deref(),
        Some("Workloads")
    );

    let prod = account("111111111111");
    assert_eq!(world.accounts[&prod].unit.as_deref(), Some("Prod"));
    assert_eq!(
        world.accounts[&prod].name.as_deref(),
        Some("workloads-prod")
    );
    let scp_levels = world.scp_levels(prod);
    let levels: Vec<Vec<&str>> = scp_levels
        .iter()
        .map(|level| level.iter().map(|policy| policy.label.as_str()).collect())
        .collect();
    assert_eq!(
        levels,
        [
            vec![
                "SCP FullAWSAccess (p-FullAWSAccess) at the root",
                "SCP DenyLeaveOrganization (p-7g2k9d1x4m) at the root",
            ],
            vec!["SCP FullAWSAccess (p-FullAWSAccess) at unit Workloads"],
            vec![
                "SCP FullAWSAccess (p-FullAWSAccess) at unit Prod",
                "SCP RegionLock (p-3h8q5w0z6c) at unit Prod",
            ],
            vec!["SCP FullAWSAccess (p-FullAWSAccess) at account 111111111111"],
        ]
    );
    assert_eq!(
        world.organization_path(prod).as_deref(),
        Some("o-a1b2c3d4e5/r-a1b2/ou-a1b2-k3m4n5p6/ou-a1b2-q7r8s9t0/")
    );
    // The RCP of the Data unit caps the resources of 222222222222; the tag policy is skipped.
    let rcps: Vec<String> = world
        .rcp_levels(account("222222222222"))
        .iter()
        .flatten()
        .map(|policy| policy.label.clone())
        .collect();
    assert!(
        rcps.contains(&"RCP EnforceOrgIdentities (p-9s4t1v7b2n) at unit Data".to_owned()),
        "{rcps:?}"
    );
    assert!(world
        .scp_levels(prod)
        .iter()
        .flatten()
        .all(|policy| !policy.label.contains("CostCenterTags")));
    // SCP content is a JSON string: decoded into a file of its own.
    let region_lock = &world.scp_levels(prod)[2][1];
    let source = region_lock.source.as_ref().unwrap();
    assert!(
        source
            .name
            .ends_with("organizations.json (Content of SCP RegionLock)"),
        "{}",
        source.name
    );
}

#[test]
fn the_bucket_policy_is_attached_to_its_bucket() {
    let world = scenario().world;
    let bucket = &world.buckets["shared-data-bucket"];
    assert_eq!(bucket.account, account("222222222222"));
    let policy = bucket.policy.as_ref().unwrap();
    assert_eq!(policy.policy.kind, xacct_policy::PolicyKind::Resource);
    let sids: Vec<&str> = policy
        .policy
        .statements
        .iter()
        .map(|statement| statement.sid.as_ref().unwrap().value.as_str())
        .collect();
    assert_eq!(sids, ["AllowMyRoleB", "DenyInsecureTransport"]);
}

#[test]
fn the_imported_world_decides_the_role_chain() {
    let world = scenario().world;
    let decide = |principal: &str, action: &str, resource: &str| {
        let session = Session::of(Principal::Role(principal.to_owned()));
        authorize(&world.request(&session, action, resource, &[]).unwrap()).decision
    };
    assert_eq!(decide(ROLE_A, "sts:AssumeRole", ROLE_B), Decision::Allow);
    assert_eq!(
        decide(
            ROLE_B,
            "s3:GetObject",
            "arn:aws:s3:::shared-data-bucket/report.csv"
        ),
        Decision::Allow
    );
    // MyRoleA's own grant does not reach across: the bucket policy names only MyRoleB.
    assert_ne!(
        decide(
            ROLE_A,
            "s3:GetObject",
            "arn:aws:s3:::shared-data-bucket/report.csv"
        ),
        Decision::Allow
    );
}

#[test]
fn findings_in_an_export_point_at_their_line_and_column() {
    let loaded = load(&fixtures().join("broken")).unwrap();
    assert!(loaded.has_errors());
    let found: Vec<(&str, String)> = loaded
        .findings
        .iter()
        .map(|finding| (finding.finding.code, finding.location()))
        .collect();
    let at = |code: &str| {
        found
            .iter()
            .find(|(found, _)| *found == code)
            .map(|(_, location)| location.clone())
            .unwrap_or_else(|| panic!("no {code}:\n{}", listing(&loaded)))
    };
    // `"Effect": "Alow"` in an inline policy printed as an object.
    assert!(
        at("invalid-effect").ends_with("broken/authorization-details.json:32:43"),
        "{}",
        at("invalid-effect")
    );
    // `Resources` in a URL-encoded trust policy: a place in the decoded text.
    assert!(
        at("unknown-element").ends_with("broken/authorization-details.json (AssumeRolePolicyDocument of BrokenTrust, decoded):1:126"),
        "{}",
        at("unknown-element")
    );
    // A misspelt top-level key.
    assert!(
        at("unknown-export-key").ends_with("broken/authorization-details.json:57:5"),
        "{}",
        at("unknown-export-key")
    );
    // Each role with a document AWS would refuse is left out whole (a role kept without its
    // broken inline policy could lose a Deny), and said so; the errors cost only them.
    for role in ["BrokenTrust", "BrokenInline"] {
        let arn = format!("arn:aws:iam::111111111111:role/{role}");
        assert!(!loaded.world.roles.contains_key(&arn));
        let left_out = loaded
            .left_out
            .iter()
            .find(|entity| entity.entity == arn)
            .unwrap_or_else(|| panic!("{arn} not left out: {:?}", loaded.left_out));
        assert_eq!(left_out.kind, "role");
        assert!(!left_out.findings.is_empty());
    }
    let invalid_effect = loaded
        .left_out
        .iter()
        .find(|entity| entity.entity.ends_with("role/BrokenInline"))
        .unwrap();
    assert!(
        invalid_effect
            .reason
            .contains("broken/authorization-details.json:32:43"),
        "{}",
        invalid_effect.reason
    );
}

#[test]
fn a_bucket_policy_import_needs_its_bucket_and_account() {
    let loaded = manifest(
        "[[import]]\nkind = \"bucket-policy\"\npath = \"222222222222/shared-data-bucket.bucket-policy.json\"\n",
    );
    let finding = &loaded.findings[0];
    assert_eq!(finding.finding.code, "incomplete-import");
    assert!(
        finding.finding.message.contains("`bucket` and `account`"),
        "{}",
        finding.finding.message
    );
    assert!(finding
        .finding
        .help
        .as_deref()
        .unwrap_or_default()
        .contains("bucket = "));
    assert_eq!(finding.location(), "xacct.toml:2:8");
    assert!(loaded.world.buckets.is_empty());
}

#[test]
fn unknown_kinds_and_missing_files_are_errors_in_the_manifest() {
    let loaded = manifest("[[import]]\nkind = \"cloudtrail\"\npath = \"x.json\"\n\n[[import]]\nkind = \"organizations\"\npath = \"nope.json\"\n");
    let found: Vec<(&str, String)> = loaded
        .findings
        .iter()
        .map(|finding| (finding.finding.code, finding.location()))
        .collect();
    assert_eq!(
        found,
        [
            ("unsupported-import", "xacct.toml:2:8".to_owned()),
            ("missing-import-file", "xacct.toml:7:8".to_owned()),
        ]
    );
}

#[test]
fn a_plain_policy_document_is_a_bucket_policy_too() {
    let dir = std::env::temp_dir().join(format!("xacct-import-plain-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("plain.json"),
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "111111111111"}, "Action": "s3:GetObject", "Resource": "arn:aws:s3:::plain/*"}]}"#,
    )
    .unwrap();
    let text = "[[import]]\nkind = \"bucket-policy\"\npath = \"plain.json\"\nbucket = \"plain\"\naccount = \"222222222222\"\n";
    let loaded = load_text(SourceFile::new("xacct.toml", text), &dir);
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(loaded.findings.is_empty(), "{}", listing(&loaded));
    let policy = loaded.world.buckets["plain"].policy.as_ref().unwrap();
    // Read in place: its spans point into the file.
    assert!(policy.source.as_ref().unwrap().name.ends_with("plain.json"));
}

#[test]
fn a_manifest_is_written_for_a_folder_of_exports() {
    let folder = fixtures().join("scenario");
    let text = xacct_world::import::manifest_for(std::slice::from_ref(&folder), &folder).unwrap();
    let expected = "\
[[import]]
kind = \"organizations\"
path = \"organizations.json\"

[[import]]
kind = \"authorization-details\"
path = \"111111111111/authorization-details.json\"
account = \"111111111111\"

[[import]]
kind = \"authorization-details\"
path = \"222222222222/authorization-details.json\"
account = \"222222222222\"

[[import]]
kind = \"bucket-policy\"
path = \"222222222222/shared-data-bucket.bucket-policy.json\"
bucket = \"shared-data-bucket\"
account = \"222222222222\"
";
    assert!(text.ends_with(expected), "{text}");
    // The written manifest loads the same world as the hand-written one.
    let written = load_text(SourceFile::new("xacct.toml", text), &folder);
    let original = scenario();
    assert_eq!(
        listing(&written).lines().count(),
        listing(&original).lines().count()
    );
    assert_eq!(written.world.roles.len(), original.world.roles.len());
    assert_eq!(written.world.buckets.len(), 1);

    // From another folder, paths climb.
    let text = xacct_world::import::manifest_for(
        &[folder.join("organizations.json")],
        &fixtures().join("broken"),
    )
    .unwrap();
    assert!(
        text.contains("path = \"../scenario/organizations.json\""),
        "{text}"
    );
}

#[test]
fn the_manifest_writer_says_what_it_cannot_place() {
    let broken = fixtures().join("broken");
    // Not an export at all.
    let error =
        xacct_world::import::manifest_for(&[broken.join("xacct.toml")], &broken).unwrap_err();
    assert!(error.contains("not JSON"), "{error}");
    // A bucket policy outside a folder named after its account.
    let dir = std::env::temp_dir().join(format!("xacct-import-orphan-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("orphan.bucket-policy.json"), r#"{"Policy": "{}"}"#).unwrap();
    std::fs::write(dir.join("notes.json"), r#"{"hello": 1}"#).unwrap();
    let error = xacct_world::import::manifest_for(std::slice::from_ref(&dir), &dir).unwrap_err();
    assert!(
        error.contains("which account owns bucket `orphan`"),
        "{error}"
    );
    std::fs::remove_file(dir.join("orphan.bucket-policy.json")).unwrap();
    // Nothing left but a stray file.
    let error = xacct_world::import::manifest_for(std::slice::from_ref(&dir), &dir).unwrap_err();
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(error.starts_with("no AWS export found"), "{error}");
}

/// A bundle written on the fly, loaded alone.
fn bundle(json: &str) -> Loaded {
    let dir = std::env::temp_dir().join(format!(
        "xacct-import-bundle-{}-{}",
        std::process::id(),
        json.len()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("organizations.json"), json).unwrap();
    let text = "[[import]]\nkind = \"organizations\"\npath = \"organizations.json\"\n";
    let loaded = load_text(SourceFile::new("xacct.toml", text), &dir);
    std::fs::remove_dir_all(&dir).unwrap();
    loaded
}

#[test]
fn an_incomplete_bundle_is_read_with_warnings_for_what_it_lacks() {
    let loaded = bundle(
        r#"{
  "DescribeOrganization": {"Organization": {"Id": "o-a1b2c3d4e5", "MasterAccountId": "999999999999"}},
  "ListRoots": {"Roots": [{"Id": "r-a1b2", "Name": "Root", "PolicyTypes": [{"Type": "SERVICE_CONTROL_POLICY", "Status": "ENABLED"}]}]},
  "ListOrganizationalUnitsForParent": {
    "r-a1b2": {"OrganizationalUnits": [{"Id": "ou-a1b2-aaaaaaaa", "Name": "Prod"}, {"Id": "ou-a1b2-bbbbbbbb", "Name": "Sandbox"}]},
    "ou-a1b2-bbbbbbbb": {"OrganizationalUnits": [{"Id": "ou-a1b2-cccccccc", "Name": "Prod"}]}
  },
  "ListAccountsForParent": {"ou-a1b2-cccccccc": {"Accounts": [{"Id": "111111111111", "Name": "sandbox-prod"}]}},
  "ListAccounts": {"Accounts": [{"Id": "111111111111"}, {"Id": "333333333333", "Name": "stray"}]},
  "Policies": [
    {"DescribePolicy": {"Policy": {"PolicySummary": {"Id": "p-FullAWSAccess", "Name": "FullAWSAccess", "Type": "SERVICE_CONTROL_POLICY"},
       "Content": "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\"}]}"}},
     "ListTargetsForPolicy": {"Targets": [{"TargetId": "r-a1b2", "Type": "ROOT"}, {"TargetId": "ou-a1b2-aaaaaaaa", "Type": "ORGANIZATIONAL_UNIT"},
       {"TargetId": "ou-a1b2-bbbbbbbb", "Type": "ORGANIZATIONAL_UNIT"}, {"TargetId": "ou-a1b2-cccccccc", "Type": "ORGANIZATIONAL_UNIT"},
       {"TargetId": "111111111111", "Type": "ACCOUNT"}, {"TargetId": "444444444444", "Type": "ACCOUNT"}]}}
  ]
}"#,
    );
    assert!(!loaded.has_errors(), "{}", listing(&loaded));
    let codes: Vec<&str> = loaded
        .findings
        .iter()
        .map(|finding| finding.finding.code)
        .collect();
    // The stray account is put at the root, has no SCP of its own; 444444444444 is unknown.
    assert_eq!(
        codes,
        [
            "unplaced-account",
            "unknown-policy-target",
            "no-scp-exported"
        ],
        "{}",
        listing(&loaded)
    );
    let world = &loaded.world;
    let organization = world.organization.as_ref().unwrap();
    // Two units named Prod: the second one is told apart by its id.
    assert_eq!(organization.units["Prod"].id, "ou-a1b2-aaaaaaaa");
    assert_eq!(
        organization.units["Prod (ou-a1b2-cccccccc)"]
            .parent
            .as_deref(),
        Some("Sandbox")
    );
    assert_eq!(
        world.accounts[&account("111111111111")].unit.as_deref(),
        Some("Prod (ou-a1b2-cccccccc)")
    );
    assert_eq!(world.scp_levels(account("111111111111")).len(), 4);
    let stray = &world.accounts[&account("333333333333")];
    assert_eq!(
        (stray.unit.as_deref(), stray.name.as_deref()),
        (Some("root"), Some("stray"))
    );
    assert_eq!(
        stray.scps[0].label,
        "FullAWSAccess (default) at account 333333333333"
    );
    // RCPs are not enabled: none apply.
    assert!(world
        .rcp_levels(account("111111111111"))
        .iter()
        .all(Vec::is_empty));
}

#[test]
fn without_scps_enabled_every_level_allows_everything() {
    let loaded = bundle(
        r#"{"DescribeOrganization": {"Organization": {"Id": "o-a1b2c3d4e5", "MasterAccountId": "999999999999"}},
            "ListRoots": {"Roots": [{"Id": "r-a1b2", "Name": "Root", "PolicyTypes": []}]},
            "ListAccountsForParent": {"r-a1b2": {"Accounts": [{"Id": "111111111111"}]}}}"#,
    );
    assert!(loaded.findings.is_empty(), "{}", listing(&loaded));
    let levels = loaded.world.scp_levels(account("111111111111"));
    let labels: Vec<&str> = levels
        .iter()
        .flatten()
        .map(|policy| policy.label.as_str())
        .collect();
    assert_eq!(
        labels,
        [
            "FullAWSAccess (SCPs are not enabled) at the root",
            "FullAWSAccess (SCPs are not enabled) at account 111111111111",
        ]
    );
}
