//! Checking a question before it is answered: the action must be one the service has, and the
//! resource one the action acts on. A misspelt action (`s3:GetObjekt`) or an action asked
//! about the wrong kind of resource (`s3:GetObject` on a bucket) would otherwise be answered
//! "denied", with a fix that grants something that does not exist.
//!
//! Services the catalog (`xacct-catalog`, the AWS Service Authorization Reference) does not
//! cover are taken as asked: nothing can be said of their actions.

use xacct_catalog::{Action, ResourcePattern, ResourceType};

/// Why a question cannot be asked as written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct QuestionError {
    pub message: String,
    /// What to write instead, when xacct can tell.
    pub help: Option<String>,
}

impl QuestionError {
    fn new(message: String, help: Option<String>) -> Self {
        Self { message, help }
    }

    /// The message and, when there is one, the help on a second line.
    pub fn with_help(&self) -> String {
        match &self.help {
            Some(help) => format!("{}\n  help: {help}", self.message),
            None => self.message.clone(),
        }
    }
}

/// The catalog's entry for `text` (`service:Name`); `None` for a service the catalog does not
/// cover. An action of a covered service that does not exist is an error, with the closest
/// action as help.
pub fn known_action(text: &str) -> Result<Option<&'static Action>, QuestionError> {
    let Some((service, name)) = text.split_once(':') else {
        return Err(QuestionError::new(
            format!("`{text}` is not an action: expected `service:Action`"),
            xacct_catalog::suggest_action(text).map(|action| format!("did you mean {action}")),
        ));
    };
    if name.contains('*') || name.contains('?') {
        return Err(QuestionError::new(
            format!("`{text}` is a pattern: a question names one action"),
            Some("ask about each action the pattern covers".to_owned()),
        ));
    }
    let catalog = xacct_catalog::catalog();
    if !catalog.covers(service) {
        return Ok(None);
    }
    match xacct_catalog::action(service, name) {
        Some(action) => Ok(Some(action)),
        None => Err(QuestionError::new(
            format!("`{text}` is not an action of {service}"),
            xacct_catalog::suggest_action(text).map(|action| format!("did you mean {action}")),
        )),
    }
}

/// The resource types `action` takes, as `name (ARN format)`, for messages.
fn described_types(action: &Action) -> String {
    xacct_catalog::resource_types_for(action)
        .iter()
        .map(|resource_type| format!("{} ({})", resource_type.name, resource_type.arn_display()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The resource types of `action` that `resource` (an ARN or `*`) can be.
pub fn types_named(action: &Action, resource: &str) -> Vec<&'static ResourceType> {
    let pattern = ResourcePattern::parse(resource);
    xacct_catalog::resource_types_for(action)
        .into_iter()
        .filter(|resource_type| resource_type.can_be_named_by(&pattern))
        .collect()
}

/// Whether `action` may be asked about `resource`; unknown services and unparsable text are
/// left to [`check`] to report.
pub fn applies(action: &str, resource: &str) -> bool {
    match known_action(action) {
        Ok(Some(found)) => fits(found, resource),
        _ => true,
    }
}

fn fits(action: &Action, resource: &str) -> bool {
    if action.resource_types.is_empty() {
        return resource == "*";
    }
    resource != "*" && !types_named(action, resource).is_empty()
}

/// Checks one question: `action` on `resource` (an ARN, or `*` for an action that takes no
/// resource).
pub fn check(action: &str, resource: &str) -> Result<(), QuestionError> {
    let Some(found) = known_action(action)? else {
        return Ok(());
    };
    if fits(found, resource) {
        return Ok(());
    }
    Err(mismatch(found, resource))
}

/// Checks the actions and resources of one expectation: every action must exist and act on at
/// least one of the resources.
pub fn check_all(actions: &[&str], resources: &[&str]) -> Vec<(usize, QuestionError)> {
    let mut out = Vec::new();
    for (index, action) in actions.iter().enumerate() {
        match known_action(action) {
            Err(error) => out.push((index, error)),
            Ok(Some(found)) if !resources.is_empty() => {
                if !resources.iter().any(|resource| fits(found, resource)) {
                    let first = resources.first().copied().unwrap_or_default();
                    out.push((index, mismatch(found, first)));
                }
            }
            Ok(_) => {}
        }
    }
    out
}

fn mismatch(action: &Action, resource: &str) -> QuestionError {
    let name = action.qualified_name();
    if action.resource_types.is_empty() {
        return QuestionError::new(
            format!(
                "`{name}` acts on no resource type: its only resource is `*`, not `{resource}`"
            ),
            Some("ask with --resource '*'".to_owned()),
        );
    }
    let takes = described_types(action);
    if resource == "*" {
        return QuestionError::new(
            format!("`{name}` acts on a resource: {takes}"),
            Some("name one resource of that type".to_owned()),
        );
    }
    QuestionError::new(
        format!("`{name}` does not act on `{resource}`: it takes {takes}"),
        Some(format!(
            "ask about a resource of that type, or an action that acts on `{resource}`"
        )),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_misspelt_action_is_an_error_with_the_closest_one() {
        let error = check("s3:GetObjekt", "arn:aws:s3:::lake/x").unwrap_err();
        assert_eq!(error.message, "`s3:GetObjekt` is not an action of s3");
        assert_eq!(error.help.as_deref(), Some("did you mean s3:GetObject"));
    }

    #[test]
    fn an_object_action_on_a_bucket_names_the_types_it_takes() {
        let error = check("s3:GetObject", "arn:aws:s3:::lake").unwrap_err();
        assert!(
            error
                .message
                .contains("does not act on `arn:aws:s3:::lake`"),
            "{error}"
        );
        assert!(
            error
                .message
                .contains("object (arn:aws:s3:::BUCKET_NAME/OBJECT_NAME)"),
            "{error}"
        );
        assert!(check("s3:GetObject", "arn:aws:s3:::lake/x").is_ok());
        assert!(check("s3:ListBucket", "arn:aws:s3:::lake").is_ok());
        assert!(check("s3:ListBucket", "arn:aws:s3:::lake/x").is_err());
    }

    #[test]
    fn a_star_is_the_resource_of_actions_without_resource_types() {
        assert!(check("s3:ListAllMyBuckets", "*").is_ok());
        let error = check("s3:ListAllMyBuckets", "arn:aws:s3:::lake").unwrap_err();
        assert_eq!(error.help.as_deref(), Some("ask with --resource '*'"));
        assert!(check("s3:GetObject", "*").is_err());
    }

    #[test]
    fn actions_of_other_services_are_checked_on_their_own_types() {
        assert!(check("sts:AssumeRole", "arn:aws:iam::111111111111:role/A").is_ok());
        assert!(check("sts:AssumeRole", "arn:aws:s3:::lake").is_err());
        assert!(check(
            "kms:Decrypt",
            "arn:aws:kms:us-east-1:111111111111:key/0a1b2c3d-1111-2222-3333-444455556666"
        )
        .is_ok());
        // A service the catalog does not cover is taken as asked.
        assert!(check("notaservice:Anything", "arn:aws:notaservice:::x").is_ok());
    }

    #[test]
    fn patterns_and_text_without_a_colon_are_not_actions() {
        assert!(check("s3:Get*", "arn:aws:s3:::lake/x").is_err());
        assert!(check("GetObject", "arn:aws:s3:::lake/x").is_err());
    }

    #[test]
    fn an_expectation_needs_each_action_to_fit_one_resource() {
        let problems = check_all(
            &["s3:ListBucket", "s3:GetObject", "s3:PutObjekt"],
            &["arn:aws:s3:::lake", "arn:aws:s3:::lake/x"],
        );
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].0, 2);
        let problems = check_all(&["s3:GetObject"], &["arn:aws:s3:::lake"]);
        assert_eq!(problems.len(), 1);
    }
}
