//! AWS account identifiers.

use serde::Serialize;
use std::fmt;
use std::str::FromStr;

/// A twelve-digit AWS account id. Leading zeros are significant, so it is kept as text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AccountId([u8; 12]);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not an AWS account id: expected exactly 12 digits")]
pub struct InvalidAccountId(pub String);

impl AccountId {
    pub fn as_str(&self) -> &str {
        // The constructor only stores ASCII digits.
        std::str::from_utf8(&self.0).unwrap_or("000000000000")
    }
}

impl FromStr for AccountId {
    type Err = InvalidAccountId;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let bytes: [u8; 12] = text
            .as_bytes()
            .try_into()
            .map_err(|_| InvalidAccountId(text.to_owned()))?;
        if bytes.iter().all(u8::is_ascii_digit) {
            Ok(Self(bytes))
        } else {
            Err(InvalidAccountId(text.to_owned()))
        }
    }
}

impl fmt::Display for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for AccountId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_twelve_digits_only() {
        assert_eq!(
            "012345678901".parse::<AccountId>().unwrap().as_str(),
            "012345678901"
        );
        for bad in ["12345678901", "1234567890123", "12345678901a", ""] {
            assert!(bad.parse::<AccountId>().is_err(), "{bad}");
        }
    }
}
