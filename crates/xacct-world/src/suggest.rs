//! "Did you mean": the known name closest to one that was mistyped.

/// The candidate closest to `word`, when it is close enough to be a likely typo: a similarity
/// (Jaro-Winkler, which favours a shared start as in `compute:etl` / `compute:elt`) of at least
/// 0.8, or a case-insensitive match.
pub fn closest<'c>(word: &str, candidates: &'c [String]) -> Option<&'c str> {
    if let Some(same) = candidates
        .iter()
        .find(|candidate| candidate.eq_ignore_ascii_case(word))
    {
        return Some(same);
    }
    candidates
        .iter()
        .map(|candidate| (strsim::jaro_winkler(word, candidate), candidate))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, candidate)| candidate.as_str())
}

/// For serde's "unknown field `x`, expected one of `a`, `b`" (and "expected `a`"): a help line
/// naming the closest known field, when one is close.
pub fn unknown_field_help(message: &str) -> Option<String> {
    let rest = message.strip_prefix("unknown field `")?;
    let (field, expected) = rest.split_once('`')?;
    let known: Vec<String> = expected
        .split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect();
    closest(field, &known).map(|near| format!("did you mean `{near}`?"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|name| (*name).to_owned()).collect()
    }

    #[test]
    fn a_typo_finds_its_name_and_a_stranger_finds_none() {
        let known = names(&[
            "compute:etl-cluster",
            "compute:reporting",
            "arn:aws:iam::1:role/A",
        ]);
        assert_eq!(
            closest("compute:etl-clustr", &known),
            Some("compute:etl-cluster")
        );
        assert_eq!(
            closest("COMPUTE:REPORTING", &known),
            Some("compute:reporting")
        );
        assert_eq!(closest("lake", &known), None);
    }

    #[test]
    fn serde_unknown_field_messages_give_the_closest_field() {
        let message = "unknown field `trsut`, expected one of `arn`, `trust`, `policies`";
        assert_eq!(
            unknown_field_help(message).as_deref(),
            Some("did you mean `trust`?")
        );
        let single = "unknown field `polcy`, expected `policy`";
        assert_eq!(
            unknown_field_help(single).as_deref(),
            Some("did you mean `policy`?")
        );
        assert_eq!(
            unknown_field_help("unknown field `zzz`, expected `policy`"),
            None
        );
        assert_eq!(unknown_field_help("invalid type: integer"), None);
    }
}
