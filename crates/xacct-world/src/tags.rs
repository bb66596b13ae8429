//! The IAM tags of a role or user: a few pairs, kept small.

use std::fmt;

/// Tags in key order, each key once (compared exactly, as the `BTreeMap` they replace did).
///
/// Why not a `BTreeMap`: a principal has one tag or a few, and a map's leaf node has room for
/// eleven pairs (544 bytes), which at 100,000 roles was 54 MB for nothing. This is a sorted
/// vector with no spare room, so one tag costs its two strings and 48 bytes; lookups are a
/// binary search, and iteration is in the same key order the map gave, so the
/// `aws:PrincipalTag/KEY` context keys are made in the same order as before.
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct Tags(Vec<(String, String)>);

impl Tags {
    pub const fn new() -> Self {
        Self(Vec::new())
    }

    fn position(&self, key: &str) -> Result<usize, usize> {
        self.0
            .binary_search_by(|(known, _)| known.as_str().cmp(key))
    }

    pub fn get(&self, key: &str) -> Option<&String> {
        let index = self.position(key).ok()?;
        self.0.get(index).map(|(_, value)| value)
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.position(key).is_ok()
    }

    /// Sets `key` to `value`, returning the value it replaces, as `BTreeMap::insert` does.
    pub fn insert(&mut self, key: String, value: String) -> Option<String> {
        match self.position(&key) {
            Ok(index) => self
                .0
                .get_mut(index)
                .map(|(_, known)| std::mem::replace(known, value)),
            Err(index) => {
                self.0.reserve_exact(1);
                self.0.insert(index, (key, value));
                None
            }
        }
    }

    pub fn remove(&mut self, key: &str) -> Option<String> {
        self.position(key).ok().map(|index| self.0.remove(index).1)
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The pairs in key order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&String, &String)> + Clone {
        self.0.iter().map(|(key, value)| (key, value))
    }

    pub fn keys(&self) -> impl ExactSizeIterator<Item = &String> + Clone {
        self.0.iter().map(|(key, _)| key)
    }

    pub fn values(&self) -> impl ExactSizeIterator<Item = &String> + Clone {
        self.0.iter().map(|(_, value)| value)
    }
}

impl fmt::Debug for Tags {
    /// As the map it replaces printed itself.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl FromIterator<(String, String)> for Tags {
    /// A later pair of the same key wins, as inserting into a map one by one.
    fn from_iter<I: IntoIterator<Item = (String, String)>>(pairs: I) -> Self {
        let mut tags: Vec<(String, String)> = pairs.into_iter().collect();
        // Stable: pairs of one key stay in the order given, and the last of them is kept.
        tags.sort_by(|left, right| left.0.cmp(&right.0));
        let mut kept: Vec<(String, String)> = Vec::with_capacity(tags.len());
        for pair in tags {
            match kept.last_mut() {
                Some(last) if last.0 == pair.0 => *last = pair,
                _ => kept.push(pair),
            }
        }
        kept.shrink_to_fit();
        Self(kept)
    }
}

impl Extend<(String, String)> for Tags {
    fn extend<I: IntoIterator<Item = (String, String)>>(&mut self, pairs: I) {
        for (key, value) in pairs {
            self.insert(key, value);
        }
    }
}

impl From<std::collections::BTreeMap<String, String>> for Tags {
    fn from(map: std::collections::BTreeMap<String, String>) -> Self {
        let mut pairs: Vec<(String, String)> = map.into_iter().collect();
        pairs.shrink_to_fit();
        Self(pairs)
    }
}

impl IntoIterator for Tags {
    type Item = (String, String);
    type IntoIter = std::vec::IntoIter<(String, String)>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'a> IntoIterator for &'a Tags {
    type Item = (&'a String, &'a String);
    type IntoIter = std::iter::Map<
        std::slice::Iter<'a, (String, String)>,
        fn(&'a (String, String)) -> (&'a String, &'a String),
    >;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter().map(|(key, value)| (key, value))
    }
}

#[cfg(test)]
mod tests {
    use super::Tags;
    use std::collections::BTreeMap;

    /// Every operation against the map it replaces, on keys that differ in case only too.
    #[test]
    fn behaves_as_the_map() {
        let pairs = [
            ("team", "a"),
            ("Team", "b"),
            ("env", "prod"),
            ("team", "c"),
            ("", "empty"),
            ("Ω", "x"),
        ];
        let owned = || {
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        };
        let mut map: BTreeMap<String, String> = owned().collect();
        let mut tags: Tags = owned().collect();
        let same = |map: &BTreeMap<String, String>, tags: &Tags| {
            assert_eq!(
                map.iter().collect::<Vec<_>>(),
                tags.iter().collect::<Vec<_>>()
            );
            assert_eq!(map.len(), tags.len());
            assert_eq!(format!("{map:?}"), format!("{tags:?}"));
        };
        same(&map, &tags);
        assert_eq!(tags.get("team").map(String::as_str), Some("c"));
        assert_eq!(tags.get("TEAM"), None);
        assert!(tags.contains_key("Team") && !tags.contains_key("TEAM"));
        assert_eq!(
            map.insert("env".into(), "dev".into()),
            tags.insert("env".into(), "dev".into())
        );
        assert_eq!(
            map.insert("b".into(), "1".into()),
            tags.insert("b".into(), "1".into())
        );
        same(&map, &tags);
        assert_eq!(map.remove("Team"), tags.remove("Team"));
        assert_eq!(map.remove("nope"), tags.remove("nope"));
        same(&map, &tags);
        map.extend([("a".to_owned(), "z".to_owned()), ("env".into(), "x".into())]);
        tags.extend([("a".to_owned(), "z".to_owned()), ("env".into(), "x".into())]);
        same(&map, &tags);
        assert_eq!(Tags::from(map.clone()), tags);
        assert_eq!(
            map.into_iter().collect::<Vec<_>>(),
            tags.into_iter().collect::<Vec<_>>()
        );
        assert!(Tags::new().is_empty());
    }
}
