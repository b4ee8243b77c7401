//! Rust types for the schema's primitive types that the standard library does not have.

use std::fmt;
use std::str::FromStr;

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// `uuid`.
pub use uuid::Uuid;

/// `datetime`: an ISO-8601 timestamp with its offset, as OVH sends it.
pub type DateTime = chrono::DateTime<chrono::FixedOffset>;

/// `date`: a calendar day (`YYYY-MM-DD`).
pub type Date = chrono::NaiveDate;

/// `password`: a secret string. Its `Debug` never shows the value, and its memory is zeroed
/// when it is dropped (`secrecy`).
#[derive(Clone, Default)]
pub struct Password(SecretString);

impl Password {
    pub fn new(secret: impl Into<String>) -> Self {
        Password(SecretString::from(secret.into()))
    }

    /// The secret itself; named so that every use stands out in review.
    pub fn expose_secret(&self) -> &str {
        self.0.expose_secret()
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(\"***\")")
    }
}

// Models holding a password compare and hash by value, as their other fields do.
impl PartialEq for Password {
    fn eq(&self, other: &Self) -> bool {
        self.expose_secret() == other.expose_secret()
    }
}

impl Eq for Password {}

impl std::hash::Hash for Password {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.expose_secret().hash(state)
    }
}

impl From<String> for Password {
    fn from(s: String) -> Self {
        Password::new(s)
    }
}

impl From<&str> for Password {
    fn from(s: &str) -> Self {
        Password::new(s)
    }
}

impl Serialize for Password {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.expose_secret())
    }
}

impl<'de> Deserialize<'de> for Password {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Password::new)
    }
}

/// An error parsing an IP block.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid IP block {0:?}: expected an address or address/prefix")]
pub struct IpBlockError(String);

macro_rules! ip_block {
    ($(#[$doc:meta])* $name:ident, $net:ty, $addr:ty, $host_prefix:expr) => {
        $(#[$doc])*
        ///
        /// Parses `a.b.c.d/len`, and a bare address as a single-host block, as OVH accepts both.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub $net);

        impl FromStr for $name {
            type Err = IpBlockError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                if let Ok(net) = s.parse::<$net>() {
                    return Ok($name(net));
                }
                let addr: $addr = s.parse().map_err(|_| IpBlockError(s.to_owned()))?;
                let prefix = $host_prefix(&addr);
                <$net>::new(addr.into(), prefix).map($name).map_err(|_| IpBlockError(s.to_owned()))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl From<$net> for $name {
            fn from(net: $net) -> Self {
                $name(net)
            }
        }

        impl std::ops::Deref for $name {
            type Target = $net;
            fn deref(&self) -> &$net {
                &self.0
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let s = String::deserialize(deserializer)?;
                s.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

ip_block!(
    /// `ipBlock`: an IPv4 or IPv6 CIDR block.
    IpBlock,
    ipnet::IpNet,
    std::net::IpAddr,
    |a: &std::net::IpAddr| if a.is_ipv4() { 32 } else { 128 }
);
ip_block!(
    /// `ipv4Block`: an IPv4 CIDR block.
    Ipv4Block,
    ipnet::Ipv4Net,
    std::net::Ipv4Addr,
    |_: &std::net::Ipv4Addr| 32
);
ip_block!(
    /// `ipv6Block`: an IPv6 CIDR block.
    Ipv6Block,
    ipnet::Ipv6Net,
    std::net::Ipv6Addr,
    |_: &std::net::Ipv6Addr| 128
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_is_redacted() {
        let p = Password::new("hunter2");
        assert_eq!(format!("{p:?}"), "Password(\"***\")");
        assert_eq!(serde_json::to_string(&p).unwrap(), "\"hunter2\"");
        assert_eq!(p.expose_secret(), "hunter2");
    }

    #[test]
    fn ip_blocks_accept_bare_addresses() {
        let b: IpBlock = "1.2.3.0/24".parse().unwrap();
        assert_eq!(b.to_string(), "1.2.3.0/24");
        assert_eq!(
            "1.2.3.4".parse::<IpBlock>().unwrap().to_string(),
            "1.2.3.4/32"
        );
        assert_eq!(
            "2001:db8::1".parse::<IpBlock>().unwrap().to_string(),
            "2001:db8::1/128"
        );
        assert_eq!("10.0.0.0/30".parse::<Ipv4Block>().unwrap().prefix_len(), 30);
        assert!("2001:db8::/64".parse::<Ipv4Block>().is_err());
        assert!("nonsense".parse::<Ipv6Block>().is_err());
        let json: IpBlock = serde_json::from_str("\"192.0.2.0/28\"").unwrap();
        assert_eq!(serde_json::to_string(&json).unwrap(), "\"192.0.2.0/28\"");
    }
}
