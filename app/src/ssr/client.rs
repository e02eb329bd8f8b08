//! Who the client is, for the per-client limits (sign-in attempts, new short
//! links). The peer of the TCP connection, unless that peer is a configured
//! trusted proxy (`CAPEX_TRUSTED_PROXIES`): then the `X-Forwarded-For` chain
//! is read from the right, past every trusted proxy, and the first address
//! that is not one is the client. Without the setting the header is never
//! read, so a client cannot pick its own address by sending it.

use std::net::IpAddr;

/// The client of a request from `peer` that carried the `X-Forwarded-For`
/// header values `forwarded` (in order), given the `trusted` proxies.
pub fn client_of(peer: IpAddr, forwarded: &[&str], trusted: &[IpAddr]) -> IpAddr {
    if !trusted.contains(&peer) {
        return peer;
    }
    let mut client = peer;
    for hop in forwarded.iter().flat_map(|v| v.split(',')).rev() {
        match hop.trim().parse::<IpAddr>() {
            // A trusted proxy's own hop: keep reading leftwards.
            Ok(address) if trusted.contains(&address) => client = address,
            Ok(address) => return address,
            // Not an address: what lies left of it cannot be trusted.
            Err(_) => return client,
        }
    }
    client
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn without_trusted_proxies_the_header_is_ignored() {
        assert_eq!(
            client_of(ip("10.0.0.9"), &["203.0.113.5"], &[]),
            ip("10.0.0.9")
        );
    }

    #[test]
    fn behind_a_trusted_proxy_the_first_untrusted_hop_from_the_right_is_the_client() {
        let trusted = [ip("10.0.0.1"), ip("10.0.0.2")];
        // The client sent its own forged entry first; the proxies appended the real one.
        let chain = ["198.51.100.66, 203.0.113.5", "10.0.0.2"];
        assert_eq!(
            client_of(ip("10.0.0.1"), &chain, &trusted),
            ip("203.0.113.5")
        );
    }

    #[test]
    fn a_request_straight_from_an_untrusted_peer_is_that_peer_whatever_it_says() {
        let trusted = [ip("10.0.0.1")];
        assert_eq!(
            client_of(ip("192.0.2.7"), &["203.0.113.5"], &trusted),
            ip("192.0.2.7")
        );
    }

    #[test]
    fn a_garbled_hop_stops_the_walk_at_the_last_trusted_address() {
        let trusted = [ip("10.0.0.1")];
        assert_eq!(
            client_of(ip("10.0.0.1"), &["203.0.113.5, junk"], &trusted),
            ip("10.0.0.1")
        );
        assert_eq!(client_of(ip("10.0.0.1"), &[], &trusted), ip("10.0.0.1"));
    }
}
