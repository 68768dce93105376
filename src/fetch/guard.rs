//! Server-side request forgery guard.
//!
//! URLs that veille *derives* (redirect targets, later: article pages and
//! discovered feed links) must not reach the machine's own network: an
//! outlet's feed redirecting to `http://169.254.169.254/` or to a router's
//! admin page must fail. The check runs on the **resolved** address, inside
//! the HTTP client's DNS resolver, so a name that resolves to a public
//! address when checked and a private one when connecting (DNS rebinding)
//! cannot slip through. Sources the user configured are trusted as given.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// Where an address lives, from the point of view of request forgery.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AddressClass {
    /// The internet.
    Public,
    /// Private networks: RFC 1918, carrier-grade NAT, IPv6 unique-local.
    Private,
    /// This machine.
    Loopback,
    /// Link-local, which includes the cloud metadata service
    /// (169.254.169.254) and unspecified/multicast/broadcast addresses.
    LinkLocal,
}

/// Classifies an IP address.
pub fn classify(ip: IpAddr) -> AddressClass {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            if v4.is_loopback() {
                AddressClass::Loopback
            } else if v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || o[0] == 0
            {
                AddressClass::LinkLocal
            } else if v4.is_private()
                || (o[0] == 100 && (64..128).contains(&o[1]))
                || (o[0] == 198 && (o[1] == 18 || o[1] == 19))
            {
                AddressClass::Private
            } else {
                AddressClass::Public
            }
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return classify(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            if v6.is_loopback() {
                AddressClass::Loopback
            } else if v6.is_unspecified() || v6.is_multicast() || (first & 0xffc0) == 0xfe80 {
                AddressClass::LinkLocal
            } else if (first & 0xfe00) == 0xfc00 {
                AddressClass::Private
            } else {
                AddressClass::Public
            }
        }
    }
}

/// Which address classes a derived URL may reach.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Reach {
    /// The most private class allowed besides public: a source on loopback
    /// may redirect to loopback, one on a private network to that network.
    pub also: Option<AddressClass>,
    /// `fetch.allow_private_networks = true`: everything.
    pub anything: bool,
}

impl Reach {
    /// Only the public internet.
    pub const PUBLIC: Reach = Reach {
        also: None,
        anything: false,
    };

    /// Whether an address of `class` may be contacted.
    pub fn allows(&self, class: AddressClass) -> bool {
        self.anything || class == AddressClass::Public || Some(class) == self.also
    }

    /// Whether `ip` may be contacted; the error says why not.
    pub fn check(&self, ip: IpAddr) -> Result<(), RefusedAddress> {
        let class = classify(ip);
        if self.allows(class) {
            Ok(())
        } else {
            Err(RefusedAddress { ip, class })
        }
    }
}

/// An address outside the [`Reach`] of a derived URL. Typed, so that the
/// fetcher recognises it inside the HTTP client's error chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error(
    "refusing to connect to {ip} ({}) for a URL veille derived, not one the config lists; set fetch.allow_private_networks = true to allow it",
    class.describe()
)]
pub struct RefusedAddress {
    /// The address.
    pub ip: IpAddr,
    /// What kind of network it is on.
    pub class: AddressClass,
}

impl AddressClass {
    fn describe(self) -> &'static str {
        match self {
            AddressClass::Loopback => "loopback",
            AddressClass::Private => "private network",
            AddressClass::LinkLocal => "link-local or cloud metadata",
            AddressClass::Public => "public",
        }
    }
}

/// A DNS resolver that drops addresses outside its [`Reach`].
#[derive(Debug)]
pub(super) struct GuardedResolver {
    pub reach: Reach,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let reach = self.reach;
        let host = name.as_str().to_string();
        Box::pin(async move {
            let addrs: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let mut refusal = None;
            let allowed: Vec<SocketAddr> = addrs
                .into_iter()
                .filter(|a| match reach.check(a.ip()) {
                    Ok(()) => true,
                    Err(why) => {
                        refusal.get_or_insert(why);
                        false
                    }
                })
                .collect();
            if allowed.is_empty() {
                return Err(match refusal {
                    Some(refused) => Box::new(refused) as Box<dyn std::error::Error + Send + Sync>,
                    None => format!("{host} has no address").into(),
                });
            }
            Ok(Box::new(allowed.into_iter()) as Addrs)
        })
    }
}

/// Builds the resolver handed to reqwest.
pub(super) fn resolver(reach: Reach) -> Arc<GuardedResolver> {
    Arc::new(GuardedResolver { reach })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn class(s: &str) -> AddressClass {
        classify(s.parse().unwrap())
    }

    #[test]
    fn classes() {
        assert_eq!(class("127.0.0.1"), AddressClass::Loopback);
        assert_eq!(class("::1"), AddressClass::Loopback);
        assert_eq!(class("10.1.2.3"), AddressClass::Private);
        assert_eq!(class("192.168.1.1"), AddressClass::Private);
        assert_eq!(class("172.16.0.1"), AddressClass::Private);
        assert_eq!(class("100.64.0.1"), AddressClass::Private);
        assert_eq!(class("fd00::1"), AddressClass::Private);
        assert_eq!(class("169.254.169.254"), AddressClass::LinkLocal);
        assert_eq!(class("fe80::1"), AddressClass::LinkLocal);
        assert_eq!(class("0.0.0.0"), AddressClass::LinkLocal);
        assert_eq!(class("::ffff:127.0.0.1"), AddressClass::Loopback);
        assert_eq!(class("196.200.1.1"), AddressClass::Public);
        assert_eq!(class("2a00:1450::1"), AddressClass::Public);
    }

    #[test]
    fn reach() {
        let loopback_source = Reach {
            also: Some(AddressClass::Loopback),
            anything: false,
        };
        assert!(loopback_source.check("127.0.0.1".parse().unwrap()).is_ok());
        assert!(
            loopback_source
                .check("169.254.169.254".parse().unwrap())
                .is_err()
        );
        assert!(Reach::PUBLIC.check("10.0.0.1".parse().unwrap()).is_err());
        assert!(
            Reach {
                also: None,
                anything: true
            }
            .check("169.254.169.254".parse().unwrap())
            .is_ok()
        );
    }
}
