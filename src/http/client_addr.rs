//! Which client a request comes from, for the per-client limits at the edge.
//!
//! The TCP peer, unless the peer is one of `TRUSTED_PROXIES`: then the nearest address in
//! `X-Forwarded-For` that is not itself a trusted proxy (read from the right, as each proxy
//! appends the address it saw). Any client can write `X-Forwarded-For`, so it is believed only
//! from the proxies named. An IPv6 client is its /64 (`block`).

use actix_web::HttpRequest;
use ipnet::IpNet;
use std::net::{IpAddr, Ipv4Addr};

pub fn client_ip(req: &HttpRequest, trusted: &[IpNet]) -> IpAddr {
    let peer = req
        .peer_addr()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |a| a.ip());
    block(forwarded_for(
        peer,
        req.headers().get_all("X-Forwarded-For"),
        trusted,
    ))
}

/// An IPv6 client counts by its /64, the block one host or site is given: a new address
/// inside it for each request or guess does not make a new client (nor a new share of a
/// limit). An IPv4 address is itself.
pub fn block(ip: IpAddr) -> IpAddr {
    match canonical(ip) {
        IpAddr::V6(v6) => IpAddr::V6((u128::from(v6) & !((1u128 << 64) - 1)).into()),
        v4 => v4,
    }
}

fn forwarded_for<'a>(
    peer: IpAddr,
    headers: impl Iterator<Item = &'a actix_web::http::header::HeaderValue>,
    trusted: &[IpNet],
) -> IpAddr {
    let peer = canonical(peer);
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    let hops: Vec<&str> = headers
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .collect();
    let mut client = peer;
    for hop in hops.iter().rev() {
        // A hop that is not an address ends the chain: nothing to its left can be believed.
        let Ok(ip) = hop.trim().parse::<IpAddr>() else {
            break;
        };
        client = canonical(ip);
        if !is_trusted(&client) {
            break;
        }
    }
    client
}

/// An IPv4 address seen on an IPv6 socket (`::ffff:a.b.c.d`) is that IPv4 address.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::header::HeaderValue;

    /// The client believed from a peer, its `X-Forwarded-For` headers and the trusted proxies.
    fn client(peer: &str, xff: &[&str], trusted: &[&str]) -> String {
        let trusted: Vec<IpNet> = trusted.iter().map(|t| t.parse().expect("net")).collect();
        let values: Vec<HeaderValue> = xff
            .iter()
            .map(|v| HeaderValue::from_str(v).expect("value"))
            .collect();
        let peer = peer.parse().expect("peer");
        forwarded_for(peer, values.iter(), &trusted).to_string()
    }

    /// Each case: the peer, the `X-Forwarded-For` headers, the trusted proxies, the client.
    type Case<'a> = (&'a str, &'a [&'a str], &'a [&'a str], &'a str);

    fn believed(cases: &[Case]) {
        for (peer, xff, trusted, expected) in cases {
            let case = format!("peer {peer}, X-Forwarded-For {xff:?}, trusted {trusted:?}");
            assert_eq!(client(peer, xff, trusted), *expected, "{case}");
        }
    }

    #[test]
    fn an_ipv6_client_is_its_64_block() {
        let ip = |s: &str| block(s.parse().expect("address"));
        assert_eq!(
            ip("2001:db8:1:2::1"),
            ip("2001:db8:1:2:ffff:eeee:dddd:cccc")
        );
        assert_eq!(ip("2001:db8:1:2::1").to_string(), "2001:db8:1:2::");
        assert_ne!(ip("2001:db8:1:2::1"), ip("2001:db8:1:3::1"));
        assert_eq!(ip("::ffff:10.0.0.1").to_string(), "10.0.0.1");
        assert_eq!(ip("10.0.0.2").to_string(), "10.0.0.2");
    }

    #[test]
    fn the_forwarded_address_is_believed_only_from_a_trusted_proxy() {
        believed(&[
            ("203.0.113.9", &["10.0.0.1"], &[], "203.0.113.9"),
            ("203.0.113.9", &["10.0.0.1"], &["10.0.0.0/8"], "203.0.113.9"),
            (
                "10.1.2.3",
                &["198.51.100.7"],
                &["10.0.0.0/8"],
                "198.51.100.7",
            ),
        ]);
    }

    #[test]
    fn the_nearest_untrusted_hop_counts_not_what_the_client_wrote_before_it() {
        let spoofed = ["1.1.1.1, 198.51.100.7, 10.0.0.2"];
        let two_headers = ["1.1.1.1", "198.51.100.7"];
        believed(&[
            ("10.0.0.1", &spoofed, &["10.0.0.0/8"], "198.51.100.7"),
            ("10.0.0.1", &two_headers, &["10.0.0.0/8"], "198.51.100.7"),
        ]);
    }

    #[test]
    fn garbage_or_no_header_leaves_the_last_believable_address() {
        believed(&[
            ("10.0.0.1", &[], &["10.0.0.0/8"], "10.0.0.1"),
            (
                "10.0.0.1",
                &["198.51.100.7, junk"],
                &["10.0.0.0/8"],
                "10.0.0.1",
            ),
            (
                "::ffff:10.0.0.1",
                &["198.51.100.7"],
                &["10.0.0.0/8"],
                "198.51.100.7",
            ),
        ]);
    }
}
