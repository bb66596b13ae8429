//! KMS grants: an Allow for the grantee on the resource side, with encryption context
//! constraints on cryptographic operations only.
//! <https://docs.aws.amazon.com/kms/latest/developerguide/grants.html>

use crate::check::check;
use crate::tests_support::load;

const SCENARIO: &str = r#"
[[account]]
id = "111111111111"

[[account]]
id = "222222222222"

[[role]]
arn = "arn:aws:iam::222222222222:role/app"
trust = { inline = '''{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"222222222222"},"Action":"sts:AssumeRole"}]}''' }

[[role]]
arn = "arn:aws:iam::111111111111:role/partner"
trust = { inline = '''{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"111111111111"},"Action":"sts:AssumeRole"}]}''' }
policies = [{ inline = '''{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:Decrypt","Resource":"arn:aws:kms:us-east-1:222222222222:key/11111111-2222-3333-4444-555555555555"}]}''' }]

[[role]]
arn = "arn:aws:iam::111111111111:role/partner-without-policy"
trust = { inline = '''{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"111111111111"},"Action":"sts:AssumeRole"}]}''' }

[[key]]
arn = "arn:aws:kms:us-east-1:222222222222:key/11111111-2222-3333-4444-555555555555"
policy = { inline = '''{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::222222222222:root"},"Action":"kms:*","Resource":"*"}]}''' }

[[key.grant]]
name = "app-decrypts-reports"
grantee = "arn:aws:iam::222222222222:role/app"
operations = ["Decrypt", "DescribeKey"]
encryption_context_subset = { "aws:s3:arn" = "arn:aws:s3:::reports/q1.csv" }

[[key.grant]]
name = "partner-decrypts"
grantee = "arn:aws:iam::111111111111:role/partner"
operations = ["Decrypt"]

[[key.grant]]
name = "partner-without-policy-decrypts"
grantee = "arn:aws:iam::111111111111:role/partner-without-policy"
operations = ["Decrypt"]

[[expect]]
name = "the app decrypts through its grant"
from = "arn:aws:iam::222222222222:role/app"
actions = ["kms:Decrypt"]
resources = ["arn:aws:kms:us-east-1:222222222222:key/11111111-2222-3333-4444-555555555555"]
context = { "kms:EncryptionContext:aws:s3:arn" = "arn:aws:s3:::reports/q1.csv" }
decision = "allow"

[[expect]]
name = "not with another encryption context"
from = "arn:aws:iam::222222222222:role/app"
actions = ["kms:Decrypt"]
resources = ["arn:aws:kms:us-east-1:222222222222:key/11111111-2222-3333-4444-555555555555"]
context = { "kms:EncryptionContext:aws:s3:arn" = "arn:aws:s3:::reports/q2.csv" }
decision = "deny"

[[expect]]
name = "DescribeKey ignores the constraint"
from = "arn:aws:iam::222222222222:role/app"
actions = ["kms:DescribeKey"]
resources = ["arn:aws:kms:us-east-1:222222222222:key/11111111-2222-3333-4444-555555555555"]
decision = "allow"

[[expect]]
name = "the partner in another account decrypts with the grant and its own policy"
from = "arn:aws:iam::111111111111:role/partner"
actions = ["kms:Decrypt"]
resources = ["arn:aws:kms:us-east-1:222222222222:key/11111111-2222-3333-4444-555555555555"]
decision = "allow"

[[expect]]
name = "a grantee of another account still needs its own policy"
from = "arn:aws:iam::111111111111:role/partner-without-policy"
actions = ["kms:Decrypt"]
resources = ["arn:aws:kms:us-east-1:222222222222:key/11111111-2222-3333-4444-555555555555"]
decision = "allow"
"#;

#[test]
fn grants_allow_their_grantees_within_their_constraints() {
    let report = check(&load(SCENARIO));
    let outcomes: Vec<(&str, bool)> = report
        .expectations
        .iter()
        .map(|result| (result.expectation.name.as_str(), result.passed()))
        .collect();
    assert_eq!(
        outcomes,
        vec![
            ("the app decrypts through its grant", true),
            ("not with another encryption context", true),
            ("DescribeKey ignores the constraint", true),
            (
                "the partner in another account decrypts with the grant and its own policy",
                true
            ),
            // Across accounts xacct asks the grantee's own policies too, as for a key policy
            // statement: the conservative reading (semantics.md section 5).
            (
                "a grantee of another account still needs its own policy",
                false
            ),
        ]
    );
}

#[test]
fn the_explanation_names_the_grant() {
    let report = check(&load(SCENARIO));
    let label = report
        .expectations
        .first()
        .and_then(|result| result.cases.first())
        .and_then(|case| case.outcome.path.last.as_ref())
        .and_then(|step| {
            let explanation = xacct_eval::Explanation::new(&step.request, &step.response);
            explanation
                .matched
                .iter()
                .find(|matched| matched.policy_label.contains("KMS grant"))
                .map(|matched| matched.policy_label.clone())
        });
    assert_eq!(
        label.as_deref(),
        Some("KMS grant `app-decrypts-reports` on arn:aws:kms:us-east-1:222222222222:key/11111111-2222-3333-4444-555555555555")
    );
}
