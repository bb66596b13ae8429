//! Whether a policy `Resource` pattern can name a resource of a given type.
//!
//! The AWS reference writes each resource type as an ARN format with placeholders
//! (`arn:${Partition}:s3:::${BucketName}/${ObjectName}`). Both that format and a policy
//! pattern (`arn:aws:s3:::lake-*/raw/*`) describe sets of strings; a pattern "can match" a
//! resource type when the two sets share a string, which is decided exactly on the two
//! compiled forms (a small product automaton).
//!
//! Everything here leans towards "can match": the answer "cannot" is used to tell a user that
//! a statement never applies, so it must only be given when it is certain.
//! - Letters are compared without regard to case (IAM compares ARNs case-sensitively, so
//!   this only ever adds matches).
//! - A placeholder stands for any non-empty text, except for the few placeholders listed in
//!   [`NAME_WITHOUT_SLASH`], whose AWS naming rules exclude `/` and `:`, and placeholders
//!   in the first five ARN segments, which never contain a colon.
//! - A policy variable (`${aws:username}`) in the resource part stands for any text; one in
//!   the first five segments (where its value could even move the colons) makes the
//!   pattern match everything.

use xacct_policy::template::{Part, Template};

/// Placeholders of the covered services whose values can hold neither `/` nor `:`, by the
/// naming rules AWS documents for them. A placeholder not listed here may hold anything (the
/// Glue names, for one, allow `/`), so it never causes a mismatch on its own.
pub(crate) const NAME_WITHOUT_SLASH: [&str; 12] = [
    // S3: bucket names are lowercase letters, digits, dots and hyphens.
    "BucketName",
    // S3 access points: lowercase letters, digits and hyphens; aliases likewise.
    "AccessPointName",
    "AccessPointAlias",
    // S3 Batch Operations job ids.
    "JobId",
    // KMS key ids: a UUID or `mrk-` and hex digits. (Alias names may contain `/`.)
    "KeyId",
    // Kinesis stream and consumer names: `[a-zA-Z0-9_.-]+`.
    "StreamName",
    "ConsumerName",
    // IAM names without a path, and STS session names: `[\w+=,.@-]+`.
    "RoleName",
    "RoleSessionName",
    "UserName",
    "FederatedUserName",
    "SamlProviderName",
];

/// Characters a wildcard or placeholder may stand for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct Class {
    no_colon: bool,
    no_slash: bool,
}

impl Class {
    const ANY: Class = Class {
        no_colon: false,
        no_slash: false,
    };
    const SEGMENT: Class = Class {
        no_colon: true,
        no_slash: false,
    };
    const NAME: Class = Class {
        no_colon: true,
        no_slash: true,
    };

    fn admits(self, character: char) -> bool {
        match character {
            ':' => !self.no_colon,
            '/' => !self.no_slash,
            _ => true,
        }
    }
}

/// One step of a compiled pattern, over single characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    /// This character (lowercased).
    Char(char),
    /// Exactly one character of the class.
    One(Class),
    /// Any run of characters of the class, including none.
    Run(Class),
}

/// A compiled set of ARNs: a resource type's format or a policy pattern.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct ArnSet {
    steps: Vec<Step>,
}

impl ArnSet {
    /// The set of every string (`"*"`).
    fn everything() -> Self {
        Self {
            steps: vec![Step::Run(Class::ANY)],
        }
    }

    /// Compiles a resource type's ARN format from the AWS reference.
    pub(crate) fn from_format(format: &str) -> Self {
        let mut steps = Vec::new();
        let mut colons = 0;
        let mut rest = format;
        while !rest.is_empty() {
            if let Some(after) = rest.strip_prefix("${") {
                if let Some(end) = after.find('}') {
                    let name = after.get(..end).unwrap_or_default();
                    let class = if colons < 5 {
                        Class::SEGMENT
                    } else if NAME_WITHOUT_SLASH.contains(&name) {
                        Class::NAME
                    } else {
                        Class::ANY
                    };
                    steps.push(Step::One(class));
                    steps.push(Step::Run(class));
                    rest = after.get(end + 1..).unwrap_or_default();
                    continue;
                }
            }
            let mut characters = rest.chars();
            if let Some(character) = characters.next() {
                if character == ':' {
                    colons += 1;
                }
                steps.extend(character.to_lowercase().map(Step::Char));
            }
            rest = characters.as_str();
        }
        Self { steps }
    }

    /// Compiles a `Resource` pattern as IAM reads it (see `ArnMatching::Resource`): `*` and `?`
    /// stay within a segment of the first five, except a `*` that ends its segment, and
    /// match anything in the resource part. `None` when the pattern could match anything
    /// for all this module can tell (a variable in the first five segments).
    pub(crate) fn from_pattern(template: &Template) -> Option<Self> {
        let mut items = Vec::new();
        for part in template.parts() {
            match part {
                Part::Text(text) => items.extend(text.chars().map(Item::Written)),
                Part::Escaped(character) => items.push(Item::Literal(*character)),
                Part::Variable(_) => items.push(Item::Variable),
            }
        }
        if items.as_slice() == [Item::Written('*')] {
            return Some(Self::everything());
        }
        // Split on the first five colons written in the pattern.
        let mut segments: Vec<&[Item]> = Vec::with_capacity(6);
        let mut start = 0;
        for (index, item) in items.iter().enumerate() {
            if *item == Item::Written(':') && segments.len() < 5 {
                segments.push(items.get(start..index).unwrap_or_default());
                start = index + 1;
            }
        }
        segments.push(items.get(start..).unwrap_or_default());

        let mut steps = Vec::new();
        for (index, segment) in segments.iter().enumerate() {
            if index > 0 {
                steps.push(Step::Char(':'));
            }
            let resource_part = index == 5;
            for (position, item) in segment.iter().enumerate() {
                let last = position + 1 == segment.len();
                match item {
                    Item::Variable if !resource_part => return None,
                    Item::Variable => steps.push(Step::Run(Class::ANY)),
                    Item::Written('*') if resource_part || last => {
                        steps.push(Step::Run(Class::ANY));
                    }
                    Item::Written('*') => steps.push(Step::Run(Class::SEGMENT)),
                    Item::Written('?') if resource_part => steps.push(Step::One(Class::ANY)),
                    Item::Written('?') => steps.push(Step::One(Class::SEGMENT)),
                    Item::Written(character) | Item::Literal(character) => {
                        steps.extend(character.to_lowercase().map(Step::Char));
                    }
                }
            }
        }
        Some(Self { steps })
    }

    /// True when some string belongs to both sets.
    pub(crate) fn intersects(&self, other: &ArnSet) -> bool {
        let (left, right) = (&self.steps, &other.steps);
        let width = right.len() + 1;
        let mut seen = vec![false; (left.len() + 1) * width];
        let mut stack = vec![(0usize, 0usize)];
        while let Some((i, j)) = stack.pop() {
            let Some(slot) = seen.get_mut(i * width + j) else {
                continue;
            };
            if *slot {
                continue;
            }
            *slot = true;
            let (a, b) = (left.get(i), right.get(j));
            if a.is_none() && b.is_none() {
                return true;
            }
            // A run may end without consuming anything.
            if let Some(Step::Run(_)) = a {
                stack.push((i + 1, j));
            }
            if let Some(Step::Run(_)) = b {
                stack.push((i, j + 1));
            }
            // Both consume one common character.
            if let (Some(a), Some(b)) = (a, b) {
                if compatible(*a, *b) {
                    let next_i = if matches!(a, Step::Run(_)) { i } else { i + 1 };
                    let next_j = if matches!(b, Step::Run(_)) { j } else { j + 1 };
                    stack.push((next_i, next_j));
                }
            }
        }
        false
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Item {
    /// A character as written in the policy: `*`, `?` and `:` keep their meaning.
    Written(char),
    /// A character from an escape such as `${*}`: always itself.
    Literal(char),
    /// A policy variable.
    Variable,
}

/// Whether one character can satisfy both steps.
fn compatible(left: Step, right: Step) -> bool {
    match (left, right) {
        (Step::Char(a), Step::Char(b)) => a == b,
        (Step::Char(c), Step::One(class) | Step::Run(class))
        | (Step::One(class) | Step::Run(class), Step::Char(c)) => class.admits(c),
        // Every class admits letters.
        _ => true,
    }
}

/// The format for people: `arn:${Partition}:s3:::${BucketName}` becomes
/// `arn:aws:s3:::BUCKET_NAME`.
pub(crate) fn display_format(format: &str) -> String {
    let mut out = String::with_capacity(format.len());
    let mut rest = format;
    while let Some(start) = rest.find("${") {
        out.push_str(rest.get(..start).unwrap_or_default());
        let after = rest.get(start + 2..).unwrap_or_default();
        let Some(end) = after.find('}') else {
            out.push_str(rest.get(start..).unwrap_or_default());
            return out;
        };
        let name = after.get(..end).unwrap_or_default();
        match name {
            "Partition" => out.push_str("aws"),
            "Region" => out.push_str("REGION"),
            "Account" => out.push_str("ACCOUNT"),
            other => out.push_str(&screaming_snake(other)),
        }
        rest = after.get(end + 1..).unwrap_or_default();
    }
    out.push_str(rest);
    out
}

fn screaming_snake(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    let mut previous_lower = false;
    for character in name.chars() {
        if character.is_ascii_uppercase() && previous_lower {
            out.push('_');
        }
        previous_lower = character.is_ascii_lowercase() || character.is_ascii_digit();
        out.push(character.to_ascii_uppercase());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pattern(text: &str) -> ArnSet {
        ArnSet::from_pattern(&Template::parse(text).unwrap()).unwrap()
    }

    fn can_match(format: &str, policy: &str) -> bool {
        ArnSet::from_format(format).intersects(&pattern(policy))
    }

    const BUCKET: &str = "arn:${Partition}:s3:::${BucketName}";
    const OBJECT: &str = "arn:${Partition}:s3:::${BucketName}/${ObjectName}";
    const ROLE: &str = "arn:${Partition}:iam::${Account}:role/${RoleNameWithPath}";
    const KEY: &str = "arn:${Partition}:kms:${Region}:${Account}:key/${KeyId}";
    const TABLE: &str =
        "arn:${Partition}:glue:${Region}:${Account}:table/${DatabaseName}/${TableName}";

    #[test]
    fn concrete_arns() {
        assert!(can_match(BUCKET, "arn:aws:s3:::lake-b"));
        assert!(!can_match(BUCKET, "arn:aws:s3:::lake-b/x"));
        assert!(can_match(OBJECT, "arn:aws:s3:::lake-b/x/y.csv"));
        assert!(!can_match(OBJECT, "arn:aws:s3:::lake-b"));
        assert!(!can_match(OBJECT, "arn:aws:s3:::lake-b/"));
        assert!(can_match(ROLE, "arn:aws:iam::111111111111:role/path/r"));
        assert!(!can_match(ROLE, "arn:aws:iam::111111111111:user/r"));
        assert!(can_match(
            KEY,
            "arn:aws-cn:kms:cn-north-1:111111111111:key/1234abcd"
        ));
        assert!(!can_match(
            KEY,
            "arn:aws:kms:us-east-1:111111111111:alias/x"
        ));
        assert!(!can_match(KEY, "arn:aws:s3:::b"));
    }

    #[test]
    fn wildcards_can_match_when_some_arn_could() {
        assert!(can_match(BUCKET, "*"));
        assert!(can_match(OBJECT, "*"));
        assert!(can_match(BUCKET, "arn:aws:s3:::*"));
        assert!(can_match(OBJECT, "arn:aws:s3:::*"));
        assert!(can_match(BUCKET, "arn:aws:s3:::lake-*"));
        assert!(can_match(OBJECT, "arn:aws:s3:::lake-*"));
        assert!(can_match(BUCKET, "arn:aws:s3:*"));
        assert!(can_match(BUCKET, "arn:*"));
        assert!(can_match(BUCKET, "arn:aws:s3:::lake-?"));
        assert!(can_match(OBJECT, "arn:aws:s3:::*/*"));
        assert!(can_match(KEY, "arn:aws:kms:*:*:key/*"));
        assert!(can_match(KEY, "arn:aws:kms:*:111111111111:*"));
        assert!(can_match(TABLE, "arn:aws:glue:*:*:table/db/*"));
    }

    #[test]
    fn wildcards_that_can_never_name_the_type() {
        // A bucket name has no `/`.
        assert!(!can_match(BUCKET, "arn:aws:s3:::lake-b/*"));
        assert!(!can_match(BUCKET, "arn:aws:s3:::*/*"));
        assert!(!can_match(BUCKET, "arn:aws:s3:::b*/x*"));
        // An object needs a `/` and a key after it.
        assert!(!can_match(OBJECT, "arn:aws:s3:::lake-?"));
        assert!(!can_match(KEY, "arn:aws:kms:*:*:alias/*"));
        // A star inside the region segment does not run into the account...
        assert!(!can_match(KEY, "arn:aws:kms:us-*1:key/x"));
        // ...but one that ends it does.
        assert!(can_match(KEY, "arn:aws:kms:us-*:key/x"));
        assert!(!can_match(ROLE, "arn:aws:iam::111111111111:user/*"));
        // IAM paths may hold colons, so a star that ends the account segment could run
        // on into a role path that happens to contain `:user/`.
        assert!(can_match(ROLE, "arn:aws:iam::*:user/*"));
    }

    #[test]
    fn comparison_ignores_case() {
        assert!(can_match(BUCKET, "arn:aws:S3:::Lake-B"));
    }

    #[test]
    fn variables() {
        // In the resource part a variable may stand for anything, `/` included.
        assert!(can_match(BUCKET, "arn:aws:s3:::${aws:username}"));
        assert!(can_match(OBJECT, "arn:aws:s3:::${aws:username}"));
        assert!(!can_match(BUCKET, "arn:aws:s3:::b/${aws:username}"));
        // In the leading segments nothing can be said.
        assert!(ArnSet::from_pattern(
            &Template::parse("arn:aws:iam::${aws:PrincipalAccount}:user/x").unwrap()
        )
        .is_none());
        // Escapes are literal characters.
        assert!(!can_match(BUCKET, "arn:aws:s3:::b${*}/x"));
        assert!(can_match(OBJECT, "arn:aws:s3:::b/${*}"));
    }

    #[test]
    fn formats_display_with_placeholders() {
        assert_eq!(display_format(BUCKET), "arn:aws:s3:::BUCKET_NAME");
        assert_eq!(
            display_format(OBJECT),
            "arn:aws:s3:::BUCKET_NAME/OBJECT_NAME"
        );
        assert_eq!(display_format(KEY), "arn:aws:kms:REGION:ACCOUNT:key/KEY_ID");
    }
}
