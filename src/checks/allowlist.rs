//! Step 2: is the URL's origin on the mini program's request allow-list
//! ("服务器域名" in the admin console)? Release builds refuse any other origin.

use super::wx::Phone;
use super::{Check, CheckId, Context};
use crate::allowlist::{AllowEntry, origin_of};
use crate::lang::Lang;
use crate::say;
use crate::target::Target;

/// A host no allow-list can hold: WeChat's own server API.
const WECHAT_API_HOST: &str = "api.weixin.qq.com";

pub(super) fn check(cx: &Context<'_>) -> Check {
    let (id, lang) = (CheckId::DomainAllowlist, cx.lang);
    let api = cx.probe.request.api;
    let origin = origin_of(cx.target);
    if cx.target.host() == WECHAT_API_HOST {
        return Check::fail(id, say!(lang, "{WECHAT_API_HOST} can never be on a mini program's allow-list", "{WECHAT_API_HOST} 永远无法配置为小程序的合法域名"))
            .hint(say!(
                lang,
                "call WeChat's server API from your own server (it needs the AppSecret, which must not be in the mini program)",
                "请在自己的服务器上调用微信服务端接口（它需要 AppSecret，不能放在小程序里）"
            ))
            .data("origin", origin);
    }
    if let Some(ip) = lan_ip(cx.target) {
        return Check::warn(
            id,
            say!(
                lang,
                "{ip} is a private-LAN address: it needs no allow-list entry, but works only for LAN communication",
                "{ip} 是局域网地址：不需要配置合法域名，但只能用于局域网通信"
            ),
        )
        .hint(say!(
            lang,
            "use a domain on the allow-list for anything but LAN devices",
            "除了访问局域网设备，请使用已配置在合法域名中的域名"
        ));
    }
    let Some(entries) = &cx.rules.allow_list else {
        return Check::skip(
            id,
            say!(
                lang,
                "no allow-list given (--allow-domain or --domains-file); release builds need the origin listed",
                "没有提供合法域名列表（--allow-domain 或 --domains-file）；正式版要求该地址在列表中"
            ),
        );
    };
    let list = api.console_list();
    if let Some(entry) = entries.iter().find(|e| e.allows(cx.target)) {
        let raw = &entry.raw;
        return Check::pass(id, say!(lang, "{origin} is on the allow-list ({raw})", "{origin} 在 {list} 中（{raw}）"));
    }
    let listed: Vec<&str> = entries.iter().map(|e| e.raw.as_str()).collect();
    let shown = if listed.is_empty() { "-".to_owned() } else { listed.join(", ") };
    let name = api.name();
    let summary =
        say!(lang, "{origin} is not on the {name} allow-list ({shown})", "{origin} 不在 {list} 中（{shown}）");
    let check = if cx.rules.debug_mode {
        let summary = say!(
            lang,
            "{summary}; debug mode lets it through, release builds refuse it",
            "{summary}；调试模式下可以请求，但正式版会被拒绝"
        );
        Check::warn(id, summary)
    } else {
        Check::fail(id, summary)
    };
    check
        .hint(miss_hint(entries, cx.target, &origin, list, lang))
        .phone(Phone::NotInDomainList)
        .data("origin", origin)
        .data("allow_list", listed)
}

/// A private-LAN IP host: the mini program's LAN communication needs no allow-list.
fn lan_ip(target: &Target) -> Option<std::net::IpAddr> {
    let ip = target.host().parse().ok()?;
    super::url::is_private_lan(ip).then_some(ip)
}

fn miss_hint(entries: &[AllowEntry], target: &Target, origin: &str, list: &str, lang: Lang) -> String {
    let add = say!(
        lang,
        "add {origin} to the allow-list (mp.weixin.qq.com → 开发管理 → 开发设置 → 服务器域名 → {list})",
        "把 {origin} 添加到合法域名（mp.weixin.qq.com → 开发管理 → 开发设置 → 服务器域名 → {list}）"
    );
    if let Some(entry) = entries.iter().find(|e| e.same_host(target)) {
        let raw = &entry.raw;
        return say!(
            lang,
            "{raw} is listed, but ports and schemes must match exactly; {add}",
            "已配置 {raw}，但端口和协议必须完全一致；{add}"
        );
    }
    if let Some(entry) = entries.iter().find(|e| e.parent_of(target)) {
        let raw = &entry.raw;
        return say!(
            lang,
            "{raw} is listed, but a parent domain does not cover its subdomains; {add}",
            "已配置 {raw}，但上级域名不包含它的子域名；{add}"
        );
    }
    add
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(raw: &str) -> AllowEntry {
        AllowEntry::parse(raw).unwrap()
    }

    fn target(raw: &str) -> Target {
        Target::parse(raw).unwrap()
    }

    #[test]
    fn hints_explain_near_misses() {
        let entries = [entry("https://example.test")];
        let hint = miss_hint(
            &entries,
            &target("https://api.example.test/"),
            "https://api.example.test",
            "request合法域名",
            Lang::En,
        );
        assert!(hint.contains("parent domain does not cover"), "{hint}");
        let entries = [entry("https://api.test:8443")];
        let hint = miss_hint(&entries, &target("https://api.test/"), "https://api.test", "request合法域名", Lang::En);
        assert!(hint.contains("ports and schemes must match"), "{hint}");
    }
}
