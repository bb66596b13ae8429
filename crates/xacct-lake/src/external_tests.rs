//! Which engines outside AWS's analytics services Lake Formation vends to: the session-tag and
//! full-table routes of the application integration settings, in one account and across two.

use crate::external::{Admission, SettingsChange};
use crate::grant::{GrantPrincipal, GrantResource, Permission, TableName};
use crate::tests::{account, grant, job, lake, orders, CONSUMER, JOB, OWNER};
use crate::{Lake, Remedy, TableRef, Target};

fn orders_ref() -> TableRef {
    let Target::Table(table) = orders() else {
        panic!("orders is a table");
    };
    table
}

/// The job holds SELECT on the owner's table, granted to it directly: on every column, or on
/// `columns` only.
fn shared(columns: Option<Vec<String>>) -> Lake {
    let mut lake = lake(false);
    let mut select = grant(
        OWNER,
        GrantPrincipal::Principal(JOB.to_owned()),
        "sales",
        &[Permission::Select],
        &[],
    );
    select.resource = GrantResource::Table {
        catalog: account(OWNER),
        database: "sales".to_owned(),
        table: TableName::Named("orders".to_owned()),
        columns,
        excluded: Vec::new(),
    };
    lake.grants.push(select);
    lake
}

fn set(lake: &mut Lake, owner: &str, change: &SettingsChange) {
    change.apply(
        &mut lake
            .governance
            .entry((account(owner), "us-east-1".to_owned()))
            .or_default()
            .external_engines,
    );
}

fn tag(value: &str) -> SettingsChange {
    SettingsChange::SessionTag {
        caller: account(CONSUMER),
        tag: value.to_owned(),
    }
}

#[test]
fn nothing_is_vended_to_an_external_engine_by_default() {
    let lake = shared(None);
    let Err(refusal) = lake.admit_external_engine(&job(), Some("engine1"), &orders_ref()) else {
        panic!("settings are off by default");
    };
    assert!(
        refusal.reason.contains("of 111111111111 (us-east-1) do not authorize the session tag LakeFormationAuthorizedCaller=engine1 for engines of 222222222222 (AllowExternalDataFiltering is off, 222222222222 is not in ExternalDataFilteringAllowList, `engine1` is not in AuthorizedSessionTagValueList)"),
        "{}",
        refusal.reason
    );
    // One change in each account's settings, each in that account's terms.
    let accounts: Vec<String> = refusal
        .remedies
        .iter()
        .map(|remedy| remedy.account().to_string())
        .collect();
    assert_eq!(accounts, [OWNER, CONSUMER]);
}

#[test]
fn a_session_tag_needs_the_settings_of_the_owner_and_of_the_caller() {
    let mut lake = shared(Some(vec!["id".to_owned()]));
    set(&mut lake, OWNER, &tag("engine1"));
    assert!(lake
        .admit_external_engine(&job(), Some("engine1"), &orders_ref())
        .is_err());
    set(&mut lake, CONSUMER, &tag("engine1"));
    // The engine filters columns itself: a column grant is enough on this route.
    assert_eq!(
        lake.admit_external_engine(&job(), Some("engine1"), &orders_ref()),
        Ok(Admission::SessionTag("engine1".to_owned()))
    );
    assert!(lake
        .admit_external_engine(&job(), Some("engine2"), &orders_ref())
        .is_err());
    assert!(lake
        .admit_external_engine(&job(), None, &orders_ref())
        .is_err());
    // The allow list names the caller's account, not just any.
    let mut other = shared(None);
    for owner in [OWNER, CONSUMER] {
        set(
            &mut other,
            owner,
            &SettingsChange::SessionTag {
                caller: account("333333333333"),
                tag: "engine1".to_owned(),
            },
        );
    }
    let Err(refusal) = other.admit_external_engine(&job(), Some("engine1"), &orders_ref()) else {
        panic!("the caller's account is not on the allow list");
    };
    assert!(
        refusal
            .reason
            .contains("222222222222 is not in ExternalDataFilteringAllowList"),
        "{}",
        refusal.reason
    );
}

#[test]
fn full_table_access_needs_select_on_every_column_and_both_settings() {
    let mut lake = shared(None);
    set(&mut lake, OWNER, &SettingsChange::FullTable);
    let Err(refusal) = lake.admit_external_engine(&job(), None, &orders_ref()) else {
        panic!("the consumer's settings are off");
    };
    assert!(
        refusal
            .reason
            .contains("AllowFullTableExternalDataAccess is off in 222222222222"),
        "{}",
        refusal.reason
    );
    assert_eq!(
        refusal.remedies,
        [Remedy::ExternalEngines {
            account: account(CONSUMER),
            region: "us-east-1".to_owned(),
            change: SettingsChange::FullTable,
        }]
    );
    set(&mut lake, CONSUMER, &SettingsChange::FullTable);
    assert_eq!(
        lake.admit_external_engine(&job(), None, &orders_ref()),
        Ok(Admission::FullTable)
    );
    // SELECT on some columns is not full table access, and no setting fixes that.
    let mut columns = shared(Some(vec!["id".to_owned()]));
    set(&mut columns, OWNER, &SettingsChange::FullTable);
    set(&mut columns, CONSUMER, &SettingsChange::FullTable);
    assert!(columns
        .permits(&job(), &orders(), &[Permission::Select])
        .allowed());
    let Err(refusal) = columns.admit_external_engine(&job(), None, &orders_ref()) else {
        panic!("a column grant is not full table access");
    };
    assert!(
        refusal.reason.contains("no full table access"),
        "{}",
        refusal.reason
    );
    assert!(refusal.remedies.is_empty());
    // Every column but one is not the whole table either.
    let mut excluded = shared(None);
    if let Some(GrantResource::Table { excluded: list, .. }) =
        excluded.grants.last_mut().map(|grant| &mut grant.resource)
    {
        list.push("ssn".to_owned());
    }
    set(&mut excluded, OWNER, &SettingsChange::FullTable);
    set(&mut excluded, CONSUMER, &SettingsChange::FullTable);
    assert!(excluded
        .admit_external_engine(&job(), None, &orders_ref())
        .is_err());
}

#[test]
fn in_one_account_its_own_settings_decide() {
    let mut lake = shared(None);
    let own = crate::Requester {
        arn: format!("arn:aws:iam::{OWNER}:role/etl"),
        account: account(OWNER),
        organization: None,
        organization_path: None,
    };
    lake.grants.push(grant(
        OWNER,
        GrantPrincipal::Principal(own.arn.clone()),
        "sales",
        &[Permission::Select],
        &[],
    ));
    set(&mut lake, OWNER, &SettingsChange::FullTable);
    assert_eq!(
        lake.admit_external_engine(&own, None, &orders_ref()),
        Ok(Admission::FullTable)
    );
}

#[test]
fn the_commands_that_change_the_settings_keep_the_rest_and_quote_the_tag() {
    let odd = "it's $(touch x); `y`";
    let remedy = Remedy::ExternalEngines {
        account: account(OWNER),
        region: "us-east-1".to_owned(),
        change: tag(odd),
    };
    let command = remedy.cli();
    assert!(
        command.starts_with("aws lakeformation get-data-lake-settings --region us-east-1 --catalog-id 111111111111 --query DataLakeSettings > settings.json && jq --argjson change "),
        "{command}"
    );
    assert!(
        command.ends_with("settings.json > changed.json && aws lakeformation put-data-lake-settings --region us-east-1 --catalog-id 111111111111 --data-lake-settings file://changed.json"),
        "{command}"
    );
    // Split as a POSIX shell splits it: the change is one word, JSON holding the tag as
    // given, and the program is the next word.
    let Some(words) = shlex::split(&command) else {
        panic!("the command splits: {command}");
    };
    let at = words.iter().position(|word| word == "change").unwrap_or(0);
    let change: serde_json::Value = serde_json::from_str(&words[at + 1]).unwrap();
    assert_eq!(change["AuthorizedSessionTagValueList"][0], odd);
    assert_eq!(
        change["ExternalDataFilteringAllowList"][0]["DataLakePrincipalIdentifier"],
        CONSUMER
    );
    assert_eq!(words[at + 2], crate::external::MERGE_SETTINGS);
    // The part of the settings reads back as the change it is.
    assert_eq!(SettingsChange::from_settings_json(&change), [tag(odd)]);
    assert_eq!(
        SettingsChange::from_settings_json(&SettingsChange::FullTable.settings_json()),
        [SettingsChange::FullTable]
    );
}
