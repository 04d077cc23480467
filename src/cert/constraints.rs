//! Name constraints (RFC 5280 4.2.1.10) as Chromium applies them to the
//! names below a constrained CA: dNSName and iPAddress subtrees, permitted
//! and excluded. Names are compared as strings, as Chromium does, so a SAN
//! that is not a valid host name is still permitted when its suffix is.

use std::net::IpAddr;

use super::parts::{Constraints, NameForm};

/// The first of `dns` and `ips` that `constraints` does not allow, if any.
pub fn violation(constraints: &Constraints, dns: &[String], ips: &[IpAddr]) -> Option<String> {
    let dns_permits: Vec<&str> = constraints.permitted.iter().filter_map(as_dns).collect();
    let dns_excludes: Vec<&str> = constraints.excluded.iter().filter_map(as_dns).collect();
    for name in dns {
        let name = name.trim_end_matches('.').to_ascii_lowercase();
        let permitted = dns_permits.is_empty() || dns_permits.iter().any(|c| dns_matches(&name, c, false));
        if !permitted || dns_excludes.iter().any(|c| dns_matches(&name, c, true)) {
            return Some(name);
        }
    }
    let ip_permits: Vec<(IpAddr, IpAddr)> = constraints.permitted.iter().filter_map(as_ip).collect();
    let ip_excludes: Vec<(IpAddr, IpAddr)> = constraints.excluded.iter().filter_map(as_ip).collect();
    for ip in ips {
        let same_family: Vec<_> = ip_permits.iter().filter(|(a, _)| a.is_ipv4() == ip.is_ipv4()).collect();
        let permitted = ip_permits.is_empty() || same_family.iter().any(|(a, m)| ip_matches(*ip, *a, *m));
        if !permitted || ip_excludes.iter().any(|(a, m)| ip_matches(*ip, *a, *m)) {
            return Some(ip.to_string());
        }
    }
    None
}

fn as_dns(form: &NameForm) -> Option<&str> {
    match form {
        NameForm::Dns(name) => Some(name.trim_end_matches('.')),
        _ => None,
    }
}

fn as_ip(form: &NameForm) -> Option<(IpAddr, IpAddr)> {
    match form {
        NameForm::Ip { addr, mask } => Some((*addr, *mask)),
        _ => None,
    }
}

/// Whether `name` is within the subtree `constraint`: the name itself or
/// below it (`.example.com` means only below). For an excluded subtree a
/// wildcard name matches when it could stand for a name in the subtree.
fn dns_matches(name: &str, constraint: &str, excluded: bool) -> bool {
    if constraint.is_empty() {
        return true;
    }
    if excluded && let Some(rest) = name.strip_prefix("*.") {
        let parent = constraint.trim_start_matches('.').split_once('.').map(|(_, p)| p);
        if parent == Some(rest) {
            return true;
        }
    }
    if let Some(below) = constraint.strip_prefix('.') {
        return name.len() > below.len() && name.ends_with(constraint);
    }
    name == constraint || (name.ends_with(constraint) && name[..name.len() - constraint.len()].ends_with('.'))
}

fn ip_matches(ip: IpAddr, addr: IpAddr, mask: IpAddr) -> bool {
    match (ip, addr, mask) {
        (IpAddr::V4(ip), IpAddr::V4(a), IpAddr::V4(m)) => {
            ip.octets().iter().zip(a.octets()).zip(m.octets()).all(|((i, a), m)| i & m == a & m)
        }
        (IpAddr::V6(ip), IpAddr::V6(a), IpAddr::V6(m)) => {
            ip.octets().iter().zip(a.octets()).zip(m.octets()).all(|((i, a), m)| i & m == a & m)
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dns(permitted: &[&str], excluded: &[&str]) -> Constraints {
        let forms = |names: &[&str]| names.iter().map(|n| NameForm::Dns((*n).to_owned())).collect();
        Constraints { permitted: forms(permitted), excluded: forms(excluded) }
    }

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|n| (*n).to_owned()).collect()
    }

    #[test]
    fn permitted_subtrees_cover_the_name_and_below() {
        let c = dns(&["example.com"], &[]);
        assert_eq!(violation(&c, &names(&["example.com", "a.example.com", "*.example.com"]), &[]), None);
        assert_eq!(violation(&c, &names(&["badexample.com"]), &[]), Some("badexample.com".into()));
        let below = dns(&[".example.com"], &[]);
        assert_eq!(violation(&below, &names(&["example.com"]), &[]), Some("example.com".into()));
        assert_eq!(violation(&below, &names(&["x.example.com"]), &[]), None);
    }

    #[test]
    fn a_name_that_is_not_a_host_name_is_still_permitted_by_its_suffix() {
        let c = dns(&["example.com"], &[]);
        assert_eq!(violation(&c, &names(&["under_score..example.com"]), &[]), None);
    }

    #[test]
    fn excluded_subtrees_and_wildcards() {
        let c = dns(&[], &["secret.example.com"]);
        assert_eq!(violation(&c, &names(&["a.secret.example.com"]), &[]), Some("a.secret.example.com".into()));
        assert_eq!(violation(&c, &names(&["*.example.com"]), &[]), Some("*.example.com".into()));
        assert_eq!(violation(&c, &names(&["public.example.com"]), &[]), None);
    }

    #[test]
    fn ip_subtrees_match_by_mask() {
        let net = |a: &str, m: &str| NameForm::Ip { addr: a.parse().unwrap(), mask: m.parse().unwrap() };
        let c = Constraints { permitted: vec![net("10.0.0.0", "255.0.0.0")], excluded: vec![] };
        assert_eq!(violation(&c, &[], &["10.1.2.3".parse().unwrap()]), None);
        assert_eq!(violation(&c, &[], &["192.0.2.1".parse().unwrap()]), Some("192.0.2.1".into()));
        assert_eq!(violation(&c, &names(&["any.test"]), &[]), None, "DNS names are not constrained by IP subtrees");
    }
}
