//! Client addresses as the rate limits see them.

use std::net::{IpAddr, Ipv6Addr};

/// The key a per-address limit counts under. An IPv4 address counts alone;
/// an IPv4-mapped IPv6 address counts as the IPv4 address it carries; any
/// other IPv6 address counts with its whole /64, since one subscriber is
/// usually handed a /64 and can pick any address in it. Text that is not an
/// address is kept as it is.
pub fn limit_key(ip: &str) -> String {
    match ip.parse::<IpAddr>().map(|ip| ip.to_canonical()) {
        Ok(IpAddr::V4(v4)) => v4.to_string(),
        Ok(IpAddr::V6(v6)) => {
            let [a, b, c, d, ..] = v6.segments();
            format!("{}/64", Ipv6Addr::new(a, b, c, d, 0, 0, 0, 0))
        }
        Err(_) => ip.to_owned(),
    }
}

/// The network an address belongs to, as the detection rules compare
/// them: an IPv4 address's /24, an IPv6 address's /48 (one site), an
/// IPv4-mapped address as IPv4. Text that is not an address is kept as it is.
pub fn network_of(ip: &str) -> String {
    match ip.parse::<IpAddr>().map(|ip| ip.to_canonical()) {
        Ok(IpAddr::V4(v4)) => {
            let [a, b, c, _] = v4.octets();
            format!("{a}.{b}.{c}.0/24")
        }
        Ok(IpAddr::V6(v6)) => {
            let [a, b, c, ..] = v6.segments();
            format!("{}/48", Ipv6Addr::new(a, b, c, 0, 0, 0, 0, 0))
        }
        Err(_) => ip.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn networks_are_an_ipv4_slash_24_and_an_ipv6_slash_48() {
        assert_eq!(network_of("203.0.113.7"), "203.0.113.0/24");
        assert_eq!(network_of("::ffff:203.0.113.9"), "203.0.113.0/24");
        assert_ne!(network_of("203.0.113.7"), network_of("203.0.114.7"));
        assert_eq!(network_of("2001:db8:1:2::1"), "2001:db8:1::/48");
        assert_eq!(
            network_of("2001:db8:1:ffff::1"),
            network_of("2001:db8:1:2::1")
        );
    }

    #[test]
    fn ipv6_addresses_of_one_slash_64_share_a_key() {
        assert_eq!(limit_key("2001:db8:1:2::1"), "2001:db8:1:2::/64");
        assert_eq!(limit_key("2001:db8:1:2:ffff:1:2:3"), "2001:db8:1:2::/64");
        assert_ne!(limit_key("2001:db8:1:3::1"), limit_key("2001:db8:1:2::1"));
    }

    #[test]
    fn ipv4_and_mapped_ipv4_are_the_same_client() {
        assert_eq!(limit_key("203.0.113.7"), "203.0.113.7");
        assert_eq!(limit_key("::ffff:203.0.113.7"), "203.0.113.7");
        assert_ne!(limit_key("203.0.113.7"), limit_key("203.0.113.8"));
    }
}
