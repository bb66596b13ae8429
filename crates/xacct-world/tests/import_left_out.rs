//! One bad entity of an export is left out, with an error naming it, and the rest of the
//! export stays usable; an export that mixes accounts is a warning, each entity keeping its
//! own account.
#![expect(
    clippy::unwrap_used,
    reason = "a helper that cannot read its fixture fails the test"
)]

mod common;

use common::{account, listing};
use xacct_policy::Severity;
use xacct_world::Loaded;

fn scenario() -> Loaded {
    common::scenario_in(&common::fixtures("left-out"))
}

fn left_out(loaded: &Loaded, entity: &str) -> xacct_world::import::LeftOut {
    let found = loaded.left_out.iter().find(|left| left.entity == entity);
    assert!(
        found.is_some(),
        "{entity} is not left out: {:#?}",
        loaded.left_out
    );
    found.cloned().unwrap()
}

#[test]
fn bad_entities_are_left_out_and_the_rest_is_usable() {
    let loaded = scenario();
    assert!(loaded.has_errors(), "{}", listing(&loaded));
    assert!(!loaded.has_blocking_errors(), "{}", listing(&loaded));
    let world = &loaded.world;
    // Kept: the sound entities.
    assert!(world
        .users
        .contains_key("arn:aws:iam::111111111111:user/alice"));
    assert!(world
        .roles
        .contains_key("arn:aws:iam::111111111111:role/kept"));
    // An ARN AWS never writes.
    let ghost = left_out(&loaded, "arn:aws:iam::aws:user/ghost");
    assert_eq!(ghost.kind, "user");
    assert!(
        ghost.reason.contains("is not an IAM user ARN"),
        "{}",
        ghost.reason
    );
    assert_eq!(ghost.findings.len(), 1);
    // A group with a policy AWS would refuse, and its member: kept without the group's
    // policies, the member could lose a Deny.
    let group = left_out(&loaded, "arn:aws:iam::111111111111:group/auditors");
    assert_eq!(group.kind, "group");
    assert!(world.groups.is_empty());
    let carol = left_out(&loaded, "arn:aws:iam::111111111111:user/carol");
    assert!(
        carol
            .reason
            .contains("member of group `auditors`, which is left out"),
        "{}",
        carol.reason
    );
    assert!(!world
        .users
        .contains_key("arn:aws:iam::111111111111:user/carol"));
    // A managed policy with errors, and the role attaching it.
    let managed = left_out(&loaded, "arn:aws:iam::111111111111:policy/half-written");
    assert_eq!(managed.kind, "managed policy");
    let role = left_out(
        &loaded,
        "arn:aws:iam::111111111111:role/with-broken-managed",
    );
    assert!(role.reason.contains("half-written"), "{}", role.reason);
    assert!(!world
        .roles
        .contains_key("arn:aws:iam::111111111111:role/with-broken-managed"));
    // Every error of the export is one some entity left out costs.
    let errors = loaded
        .findings
        .iter()
        .enumerate()
        .filter(|(_, finding)| finding.finding.severity == Severity::Error)
        .map(|(index, _)| index);
    for index in errors {
        assert!(
            loaded
                .left_out
                .iter()
                .any(|left| left.findings.contains(&index)),
            "error {index} is not accounted for: {}",
            listing(&loaded)
        );
    }
}

#[test]
fn an_export_mixing_accounts_warns_and_each_entity_keeps_its_account() {
    let loaded = scenario();
    let mixes: Vec<_> = loaded
        .findings
        .iter()
        .filter(|finding| finding.finding.code == "account-mismatch")
        .collect();
    assert_eq!(mixes.len(), 1, "{}", listing(&loaded));
    assert_eq!(mixes[0].finding.severity, Severity::Warning);
    assert!(
        mixes[0]
            .finding
            .message
            .contains("this export mixes accounts 111111111111 and 222222222222"),
        "{}",
        mixes[0].finding.message
    );
    let world = &loaded.world;
    assert_eq!(
        world.users["arn:aws:iam::222222222222:user/visitor"].account,
        account("222222222222")
    );
    assert_eq!(
        world.users["arn:aws:iam::111111111111:user/alice"].account,
        account("111111111111")
    );
    assert!(world.accounts.contains_key(&account("222222222222")));
}

#[test]
fn errors_outside_an_export_entity_still_block() {
    let loaded = common::manifest_in(
        &common::fixtures("left-out"),
        "[[import]]\npath = \"../authorization-details.json\"\nkind = \"authorization-details\"\n\n[[role]]\narn = \"not-an-arn\"\ntrust = \"missing.json\"\n",
    );
    assert!(loaded.has_blocking_errors(), "{}", listing(&loaded));
}
