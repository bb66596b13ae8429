//! One shared copy of each compiled pattern.
//!
//! A large organization writes the same action and ARN patterns thousands of times
//! (`sts:AssumeRole`, `s3:GetObject`, `arn:aws:s3:::bucket/*`); each compiled pattern is a few
//! hundred bytes in several allocations. Patterns are immutable once compiled, so every
//! occurrence can share one copy behind an `Arc`: the span of each occurrence stays with the
//! occurrence (`Spanned`), not with the pattern. The table is per thread and bounded
//! ([`LIMIT`]): when full it starts again, which costs only sharing, never correctness.

use std::collections::HashMap;
use std::sync::Arc;

/// Distinct texts kept before the table starts again: enough for every pattern a 300,000-role
/// organization repeats, small enough (a few MB) to keep for the life of a server.
const LIMIT: usize = 1 << 16;

/// Compiled values by the text they were compiled from.
pub(crate) struct Interner<V> {
    by_text: HashMap<Box<str>, Arc<V>, foldhash::fast::RandomState>,
}

impl<V> Default for Interner<V> {
    fn default() -> Self {
        Self {
            by_text: HashMap::default(),
        }
    }
}

impl<V> Interner<V> {
    /// The shared value compiled from `text`, compiling it with `make` the first time; an
    /// error is returned as is and not kept.
    pub(crate) fn get_or_try<E>(
        &mut self,
        text: &str,
        make: impl FnOnce() -> Result<V, E>,
    ) -> Result<Arc<V>, E> {
        if let Some(found) = self.by_text.get(text) {
            return Ok(Arc::clone(found));
        }
        let value = Arc::new(make()?);
        if self.by_text.len() >= LIMIT {
            self.by_text.clear();
        }
        self.by_text.insert(text.into(), Arc::clone(&value));
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_text_gives_the_same_copy_and_errors_are_not_kept() {
        let mut interner = Interner::<String>::default();
        let first = interner
            .get_or_try("a", || Ok::<_, ()>("a".to_owned()))
            .unwrap();
        let second = interner
            .get_or_try("a", || Ok::<_, ()>("other".to_owned()))
            .unwrap();
        assert!(Arc::ptr_eq(&first, &second));
        assert_eq!(
            interner.get_or_try("b", || Err::<String, _>("bad")),
            Err("bad")
        );
        let made = interner
            .get_or_try("b", || Ok::<_, ()>("b".to_owned()))
            .unwrap();
        assert_eq!(*made, "b");
    }

    #[test]
    fn a_full_table_starts_again_and_still_answers() {
        let mut interner = Interner::<usize>::default();
        for number in 0..LIMIT + 10 {
            let text = number.to_string();
            let value = interner.get_or_try(&text, || Ok::<_, ()>(number)).unwrap();
            assert_eq!(*value, number);
        }
        assert!(interner.by_text.len() <= LIMIT);
    }
}
