//! Small worlds written by hand for unit tests.

use std::path::Path;
use xacct_policy::SourceFile;
use xacct_world::World;

/// Loads a manifest given as text; any error finding fails the test.
pub fn load(manifest: &str) -> World {
    let loaded = xacct_world::load_text(
        SourceFile::new("test.toml".to_owned(), manifest.to_owned()),
        Path::new("."),
    );
    let errors: Vec<String> = loaded
        .findings
        .iter()
        .filter(|finding| finding.finding.severity == xacct_policy::Severity::Error)
        .map(|finding| format!("{}: {}", finding.location(), finding.finding.message))
        .collect();
    assert!(
        errors.is_empty(),
        "the test manifest has errors:\n{}",
        errors.join("\n")
    );
    loaded.world
}

/// An inline policy value for a manifest.
pub fn inline(json: &str) -> String {
    format!("{{ inline = '''{json}''' }}")
}

/// A trust policy allowing `sts:AssumeRole` to `principal` (a JSON value).
pub fn trust(principal: &str) -> String {
    inline(&format!(
        r#"{{"Version": "2012-10-17", "Statement": [{{"Effect": "Allow", "Principal": {principal}, "Action": "sts:AssumeRole"}}]}}"#
    ))
}

/// An identity policy allowing `actions` (a JSON string or array) on `resource`.
pub fn allow(actions: &str, resource: &str) -> String {
    inline(&format!(
        r#"{{"Version": "2012-10-17", "Statement": [{{"Effect": "Allow", "Action": {actions}, "Resource": "{resource}"}}]}}"#
    ))
}

/// A world of roles without permissions: (account, role name, trust principal as JSON).
pub fn world_of(roles: &[(&str, &str, &str)]) -> World {
    let mut manifest = String::new();
    for (account, name, principal) in roles {
        manifest.push_str(&format!(
            "[[role]]\narn = \"arn:aws:iam::{account}:role/{name}\"\ntrust = {}\n\n",
            trust(principal)
        ));
    }
    load(&manifest)
}

/// An expectation that `from` may do each of `actions` on `resource`, asked by any route.
pub fn expectation(from: &str, actions: &[&str], resource: &str) -> xacct_world::Expectation {
    xacct_world::Expectation::new(
        format!("{from} may {}", actions.join(", ")),
        from,
        actions.iter().map(|action| (*action).to_owned()).collect(),
        vec![resource.to_owned()],
    )
}

/// One role in 111111111111 with the trust policy made of `statements` (JSON objects, comma
/// separated) that may `s3:GetObject` in the bucket `data` of the same account.
pub fn role_reading_data(statements: &str) -> World {
    load(&format!(
        r#"
[[account]]
id = "111111111111"

[[role]]
arn = "arn:aws:iam::111111111111:role/deploy"
trust = {trust}
policies = [{read}]

[[bucket]]
name = "data"
account = "111111111111"
"#,
        trust = inline(&format!(
            r#"{{"Version": "2012-10-17", "Statement": [{statements}]}}"#
        )),
        read = allow(r#""s3:GetObject""#, "arn:aws:s3:::data/*"),
    ))
}
