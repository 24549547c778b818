//! The client's IP: the TCP peer, or what `X-Forwarded-For` says when the peer is a
//! configured trusted proxy (`serve.trusted_proxies`).

use std::net::IpAddr;

use axum::http::HeaderMap;
use ipnet::IpNet;

/// The proxies whose `X-Forwarded-For` is believed.
#[derive(Debug, Clone, Default)]
pub(crate) struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    pub(crate) fn new(nets: Vec<IpNet>) -> Self {
        TrustedProxies(nets)
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.0.iter().any(|net| net.contains(&ip))
    }

    /// The client of a request that came from `peer` with `headers`: walking
    /// `X-Forwarded-For` from the right, the first address that is not a trusted proxy.
    /// The header is ignored unless `peer` itself is trusted.
    pub(crate) fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let peer = canonical(peer);
        if !self.trusts(peer) {
            return peer;
        }
        let mut client = peer;
        let hops = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .collect::<Vec<_>>();
        for hop in hops.iter().rev() {
            let Ok(ip) = hop.trim().parse::<IpAddr>() else {
                // A garbled entry: trust nothing to its left.
                break;
            };
            client = canonical(ip);
            if !self.trusts(client) {
                break;
            }
        }
        client
    }
}

/// What a client's rate limits count by: an IPv4 address, or the /64 an IPv6 address
/// is in (one host, or one customer, holds a whole /64).
pub(crate) fn rate_key(ip: IpAddr) -> IpAddr {
    match canonical(ip) {
        IpAddr::V6(v6) => {
            let prefix = u128::from(v6) & !((1u128 << 64) - 1);
            IpAddr::V6(prefix.into())
        }
        v4 => v4,
    }
}

/// `::ffff:1.2.3.4` is `1.2.3.4`.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_keys_are_ipv4_addresses_and_ipv6_64s() {
        let key = |ip: &str| rate_key(ip.parse().unwrap()).to_string();
        assert_eq!(key("198.51.100.7"), "198.51.100.7");
        assert_eq!(key("::ffff:198.51.100.7"), "198.51.100.7");
        assert_eq!(key("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::");
        assert_eq!(key("2001:db8:1:2:ffff:ffff:ffff:ffff"), "2001:db8:1:2::");
        assert_ne!(key("2001:db8:1:3::1"), key("2001:db8:1:2::1"));
    }

    fn proxies(list: &[&str]) -> TrustedProxies {
        let serve = crate::config::Serve {
            trusted_proxies: list.iter().map(|s| s.to_string()).collect(),
            ..Default::default()
        };
        TrustedProxies::new(serve.trusted_proxy_nets().unwrap())
    }

    fn forwarded(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", value.parse().unwrap());
        headers
    }

    #[test]
    fn header_from_an_untrusted_peer_is_ignored() {
        let peer: IpAddr = "203.0.113.9".parse().unwrap();
        let client = proxies(&["127.0.0.1"]).client(peer, &forwarded("198.51.100.1"));
        assert_eq!(client, peer);
    }

    #[test]
    fn trusted_peer_gives_the_rightmost_untrusted_hop() {
        let p = proxies(&["127.0.0.1", "10.0.0.0/8"]);
        let peer: IpAddr = "127.0.0.1".parse().unwrap();
        let cases = [
            ("198.51.100.1", "198.51.100.1"),
            ("6.6.6.6, 198.51.100.1, 10.1.2.3", "198.51.100.1"),
            ("garbage, 198.51.100.1", "198.51.100.1"),
            ("198.51.100.1, garbage", "127.0.0.1"),
        ];
        for (header, expected) in cases {
            assert_eq!(
                p.client(peer, &forwarded(header)).to_string(),
                expected,
                "{header}"
            );
        }
        assert_eq!(p.client(peer, &HeaderMap::new()), peer);
    }

    #[test]
    fn mapped_ipv6_peer_matches_an_ipv4_entry() {
        let peer: IpAddr = "::ffff:127.0.0.1".parse().unwrap();
        let client = proxies(&["127.0.0.1"]).client(peer, &forwarded("198.51.100.1"));
        assert_eq!(client.to_string(), "198.51.100.1");
    }
}
