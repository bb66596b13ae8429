//! `*` and `?` matching as IAM does it in actions, resources and `*Like` conditions.
//!
//! Patterns are compiled once into tokens so that evaluation never re-parses policy text, and
//! literal characters that came from escapes (`${*}`) or substituted variables can never turn
//! into wildcards.

/// One piece of a compiled pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Token {
    Literal(String),
    /// `*`: any run of characters, including none.
    AnyRun,
    /// `?`: exactly one character.
    AnyChar,
    /// `*` inside an ARN segment that does not end it: any run without a colon.
    SegmentRun,
    /// `?` inside an ARN segment: one character other than a colon.
    SegmentChar,
}

/// A compiled wildcard pattern.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Pattern {
    tokens: Vec<Token>,
}

impl Pattern {
    /// Compiles `text`, where every `*` and `?` is a wildcard.
    pub fn new(text: &str) -> Self {
        let mut pattern = Self::default();
        pattern.push_wild_text(text);
        pattern
    }

    /// A pattern that matches exactly `text`.
    pub fn literal(text: &str) -> Self {
        let mut pattern = Self::default();
        pattern.push_literal(text);
        pattern
    }

    pub fn from_tokens(tokens: Vec<Token>) -> Self {
        let mut pattern = Self::default();
        for token in tokens {
            match token {
                Token::Literal(text) => pattern.push_literal(&text),
                other => pattern.tokens.push(other),
            }
        }
        pattern
    }

    /// Appends text in which `*` and `?` are wildcards.
    pub fn push_wild_text(&mut self, text: &str) {
        let mut literal_start = 0;
        for (index, character) in text.char_indices() {
            let token = match character {
                '*' => Token::AnyRun,
                '?' => Token::AnyChar,
                _ => continue,
            };
            if let Some(literal) = text.get(literal_start..index) {
                self.push_literal(literal);
            }
            self.tokens.push(token);
            literal_start = index + 1;
        }
        if let Some(rest) = text.get(literal_start..) {
            self.push_literal(rest);
        }
    }

    /// Appends text matched character for character.
    pub fn push_literal(&mut self, text: &str) {
        if text.is_empty() {
            return;
        }
        if let Some(Token::Literal(previous)) = self.tokens.last_mut() {
            previous.push_str(text);
        } else {
            self.tokens.push(Token::Literal(text.to_owned()));
        }
    }

    pub fn tokens(&self) -> &[Token] {
        &self.tokens
    }

    /// True when the pattern has no wildcard at all.
    pub fn is_literal(&self) -> bool {
        self.tokens
            .iter()
            .all(|token| matches!(token, Token::Literal(_)))
    }

    /// True for a pattern that matches everything (`*`).
    pub fn matches_everything(&self) -> bool {
        !self.tokens.is_empty() && self.tokens.iter().all(|token| *token == Token::AnyRun)
    }

    pub fn matches(&self, text: &str) -> bool {
        // The shapes policies are mostly made of, answered without the general matcher.
        match self.tokens.as_slice() {
            [] => return text.is_empty(),
            [Token::Literal(literal)] => return literal == text,
            [Token::AnyRun] => return true,
            [Token::Literal(prefix), Token::AnyRun] => return text.starts_with(prefix.as_str()),
            [Token::AnyRun, Token::Literal(suffix)] => return text.ends_with(suffix.as_str()),
            [Token::AnyRun, Token::Literal(middle), Token::AnyRun] => {
                return text.contains(middle.as_str())
            }
            [Token::Literal(prefix), Token::AnyRun, Token::Literal(suffix)] => {
                return text.len() >= prefix.len() + suffix.len()
                    && text.starts_with(prefix.as_str())
                    && text.ends_with(suffix.as_str())
            }
            _ => {}
        }
        if self.has_segment_tokens() {
            matches_with_segments(&self.tokens, text)
        } else {
            matches_tokens(&self.tokens, text, false)
        }
    }

    fn has_segment_tokens(&self) -> bool {
        self.tokens
            .iter()
            .any(|token| matches!(token, Token::SegmentRun | Token::SegmentChar))
    }

    /// Appends another pattern's tokens.
    pub fn extend(&mut self, other: &Pattern) {
        for token in &other.tokens {
            match token {
                Token::Literal(text) => self.push_literal(text),
                other => self.tokens.push(other.clone()),
            }
        }
    }

    /// Appends a raw token.
    pub fn push_token(&mut self, token: Token) {
        match token {
            Token::Literal(text) => self.push_literal(&text),
            other => self.tokens.push(other),
        }
    }

    /// The literal text when the pattern has no wildcard.
    pub fn as_literal(&self) -> Option<&str> {
        match self.tokens.as_slice() {
            [] => Some(""),
            [Token::Literal(text)] => Some(text),
            _ => None,
        }
    }

    /// Matches ignoring ASCII and Unicode case (used for action names).
    pub fn matches_ignore_case(&self, text: &str) -> bool {
        matches_tokens(&self.tokens, text, true)
    }
}

fn literal_prefix_len(literal: &str, text: &str, ignore_case: bool) -> Option<usize> {
    if ignore_case {
        let mut text_chars = text.char_indices();
        for expected in literal.chars() {
            let (_, actual) = text_chars.next()?;
            if !chars_equal_ignore_case(expected, actual) {
                return None;
            }
        }
        Some(text_chars.next().map_or(text.len(), |(index, _)| index))
    } else if text.starts_with(literal) {
        Some(literal.len())
    } else {
        None
    }
}

fn chars_equal_ignore_case(left: char, right: char) -> bool {
    left == right || (left.is_ascii() && left.eq_ignore_ascii_case(&right)) || {
        !left.is_ascii() && left.to_lowercase().eq(right.to_lowercase())
    }
}

/// Backtracking matcher with a single resume point per `*`: linear in practice, and never
/// worse than quadratic, for the short strings IAM deals in.
fn matches_tokens(tokens: &[Token], text: &str, ignore_case: bool) -> bool {
    let mut token_index = 0;
    let mut position = 0;
    // Where to resume after the most recent `*`: (token after the star, text position).
    let mut resume: Option<(usize, usize)> = None;
    loop {
        let rest = text.get(position..).unwrap_or("");
        let step = match tokens.get(token_index) {
            None if rest.is_empty() => return true,
            None => None,
            // A star that ends the pattern matches whatever is left.
            Some(Token::AnyRun) if token_index + 1 == tokens.len() => return true,
            Some(Token::AnyRun) => {
                resume = Some((token_index + 1, position));
                token_index += 1;
                continue;
            }
            Some(Token::AnyChar | Token::SegmentChar) => rest.chars().next().map(char::len_utf8),
            // Only reached through `matches_ignore_case`, which action patterns use and which
            // never contain segment tokens.
            Some(Token::SegmentRun) => {
                resume = Some((token_index + 1, position));
                token_index += 1;
                continue;
            }
            Some(Token::Literal(literal)) => literal_prefix_len(literal, rest, ignore_case),
        };
        match step {
            Some(length) => {
                position += length;
                token_index += 1;
            }
            None => {
                // Let the last `*` swallow one more character and retry from there.
                let Some((resume_token, resume_position)) = resume else {
                    return false;
                };
                let Some(skipped) = text.get(resume_position..).and_then(|r| r.chars().next())
                else {
                    return false;
                };
                let next = resume_position + skipped.len_utf8();
                resume = Some((resume_token, next));
                token_index = resume_token;
                position = next;
            }
        }
    }
}

/// Full dynamic-programming match for patterns whose stars may not cross colons: the
/// single-resume-point matcher is only correct when every star can swallow anything.
fn matches_with_segments(tokens: &[Token], text: &str) -> bool {
    let characters: Vec<char> = text.chars().collect();
    let width = characters.len() + 1;
    // reachable[j]: the tokens seen so far can match exactly the first j characters.
    let mut reachable = vec![false; width];
    if let Some(first) = reachable.first_mut() {
        *first = true;
    }
    for token in tokens {
        let mut next = vec![false; width];
        match token {
            Token::Literal(literal) => {
                let literal: Vec<char> = literal.chars().collect();
                for (start, _) in reachable.iter().enumerate().filter(|(_, ok)| **ok) {
                    let end = start + literal.len();
                    if characters.get(start..end) == Some(literal.as_slice()) {
                        if let Some(slot) = next.get_mut(end) {
                            *slot = true;
                        }
                    }
                }
            }
            Token::AnyChar | Token::SegmentChar => {
                for (start, _) in reachable.iter().enumerate().filter(|(_, ok)| **ok) {
                    let fits = characters
                        .get(start)
                        .is_some_and(|c| *token == Token::AnyChar || *c != ':');
                    if fits {
                        if let Some(slot) = next.get_mut(start + 1) {
                            *slot = true;
                        }
                    }
                }
            }
            Token::AnyRun | Token::SegmentRun => {
                let mut running = false;
                for (index, slot) in next.iter_mut().enumerate() {
                    if reachable.get(index).copied().unwrap_or(false) {
                        running = true;
                    }
                    *slot = running;
                    let blocked = *token == Token::SegmentRun
                        && characters.get(index).is_some_and(|c| *c == ':');
                    if blocked {
                        running = false;
                    }
                }
            }
        }
        reachable = next;
    }
    reachable.last().copied().unwrap_or(false)
}

impl Pattern {
    /// Writes the tokens as compiled (see `crate::snapshot`).
    pub(crate) fn encode(&self, encoder: &mut crate::snapshot::Encoder) {
        encoder.seq(&self.tokens, |encoder, token| match token {
            Token::Literal(text) => {
                encoder.u8(0);
                encoder.str(text);
            }
            Token::AnyRun => encoder.u8(1),
            Token::AnyChar => encoder.u8(2),
            Token::SegmentRun => encoder.u8(3),
            Token::SegmentChar => encoder.u8(4),
        });
    }

    pub(crate) fn decode(
        decoder: &mut crate::snapshot::Decoder<'_>,
    ) -> Result<Self, crate::snapshot::Damaged> {
        let mut tokens = decoder.seq(|decoder| {
            Ok(match decoder.u8()? {
                0 => Token::Literal(decoder.string()?),
                1 => Token::AnyRun,
                2 => Token::AnyChar,
                3 => Token::SegmentRun,
                4 => Token::SegmentChar,
                _ => return Err(crate::snapshot::Damaged("not a pattern token")),
            })
        })?;
        tokens.shrink_to_fit();
        Ok(Self { tokens })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn star_and_question_mark() {
        let cases = [
            ("s3:Get*", "s3:GetObject", true),
            ("s3:Get*", "s3:PutObject", false),
            ("*", "", true),
            ("a*b*c", "aXXbYYc", true),
            ("a*b*c", "aXXbYY", false),
            ("?", "é", true),
            ("??", "é", false),
            ("a?c", "abc", true),
            ("a?c", "ac", false),
            ("*a*a*a*b", "aaaaaaaaaaaaaaaaaaaa", false),
            ("home/*/x", "home/a/b/x", true),
        ];
        for (pattern, text, expected) in cases {
            assert_eq!(
                Pattern::new(pattern).matches(text),
                expected,
                "{pattern} vs {text}"
            );
        }
    }

    #[test]
    fn literal_stars_from_escapes_do_not_match_anything() {
        let pattern = Pattern::from_tokens(vec![Token::Literal("a*".into())]);
        assert!(pattern.matches("a*"));
        assert!(!pattern.matches("ab"));
    }

    #[test]
    fn segment_stars_stop_at_colons() {
        let pattern = Pattern::from_tokens(vec![
            Token::Literal("a:".into()),
            Token::SegmentRun,
            Token::Literal("x:".into()),
            Token::AnyRun,
        ]);
        assert!(pattern.matches("a:bbx:c:d"));
        assert!(!pattern.matches("a:b:x:c"));
    }

    #[test]
    fn ignore_case_matching() {
        assert!(Pattern::new("S3:get*").matches_ignore_case("s3:GetObject"));
        assert!(!Pattern::new("S3:get*").matches("s3:GetObject"));
    }
}
