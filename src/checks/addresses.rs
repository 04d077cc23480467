//! Step 1, every address: the host's other addresses beside the one the
//! phone uses — whether each accepts the TLS handshake, which certificate it
//! serves and what it answers to the request — so that a CDN node with an
//! expired certificate, an address that fails TLS or one that answers 502 is
//! named even when the phone's first pick works. Phones (and DNS answers)
//! differ in the address they take, so some users meet it.

use std::net::SocketAddr;
use std::time::SystemTime;

use serde_json::{Value, json};

use super::{Check, CheckId, Context, millis, upstream};
use crate::cert::{CertFacts, rfc3339};
use crate::lang::Lang;
use crate::probe::http::{ExchangeError, Response};
use crate::probe::tcp::TcpResult;
use crate::probe::tls::TlsTrace;
use crate::say;

/// How one address fared, for the summary and the data.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Outcome {
    /// It accepted TCP (and TLS); the leaf's SHA-256 when TLS was made.
    Ok(Option<String>),
    /// It did not accept TCP (tcp.connect names it).
    Tcp,
    /// The TLS handshake failed.
    Tls(String),
    /// The certificate it serves is refused: expired, or for another reason.
    Refused(String),
}

/// One address's row.
struct Row<'a> {
    addr: SocketAddr,
    phone: bool,
    tcp: &'a TcpResult,
    connect_ms: f64,
    tls: Option<&'a TlsTrace>,
    leaf: Option<&'a CertFacts>,
    /// The first request's answer on this address: `None` when it was not sent.
    answer: Option<Result<&'a Response, &'a ExchangeError>>,
}

pub(super) fn check(cx: &Context<'_>) -> Check {
    let id = CheckId::DnsAddresses;
    let lang = cx.lang;
    let conn = cx.trace.connection.as_ref();
    if let Some(proxy) = conn.and_then(|c| c.proxy.as_ref()) {
        return super::proxy::addresses(proxy, cx);
    }
    let Some(tcp) = conn.and_then(|c| c.tcp.as_ref()) else {
        return Check::skip(
            id,
            upstream(cx).unwrap_or_else(|| say!(lang, "no address to connect to", "没有可连接的地址")),
        );
    };
    let Some(chosen) = tcp.chosen else {
        let tcp_connect = CheckId::TcpConnect;
        return Check::skip(
            id,
            say!(lang, "no address accepts TCP ({tcp_connect})", "没有地址接受 TCP 连接（{tcp_connect}）"),
        );
    };
    let conn = conn.expect("a TCP trace belongs to a connection");
    let rows: Vec<Row<'_>> = tcp
        .attempts
        .iter()
        .map(|a| {
            let other = conn.others.iter().find(|other| other.addr == a.addr);
            let (tls, answer) = match other {
                _ if a.addr == chosen => (conn.tls.as_ref(), phone_answer(cx)),
                Some(other) => (Some(&other.tls), other.answer.as_ref().map(Result::as_ref)),
                None => (None, None),
            };
            // Each handshake's chain was parsed once, by the probe.
            let leaf = tls.and_then(|t| t.chain.as_ref()?.as_ref().ok()?.certs.first());
            let connect_ms = millis(a.elapsed);
            Row { addr: a.addr, phone: a.addr == chosen, tcp: &a.result, connect_ms, tls, leaf, answer }
        })
        .collect();
    let outcomes: Vec<Outcome> = rows.iter().map(|row| outcome(row, cx)).collect();
    let asked = cx.probe.request.is_safe_to_repeat().then(|| cx.probe.request.method());
    judge(&rows, &outcomes, cx.target.uses_tls(), asked, lang).data("addresses", data(&rows, &outcomes))
}

/// The first request's answer on the phone's own address.
fn phone_answer<'a>(cx: &'a Context<'_>) -> Option<Result<&'a Response, &'a ExchangeError>> {
    let http = cx.trace.http.as_ref()?;
    match (http.hops.first().and_then(|hop| hop.response.as_ref()), &http.end) {
        (Some(response), _) => Some(Ok(response)),
        (None, Some(crate::probe::HttpEnd::Failed(error))) => Some(Err(error)),
        (None, _) => None,
    }
}

fn outcome(row: &Row<'_>, cx: &Context<'_>) -> Outcome {
    if *row.tcp != TcpResult::Connected {
        return Outcome::Tcp;
    }
    let Some(tls) = row.tls else { return Outcome::Ok(None) };
    if let Some(failure) = tls.failure().filter(|_| tls.presented.is_empty()) {
        let budget = cx.probe.timeout.as_millis();
        return Outcome::Tls(super::tls::failure_summary(failure, row.addr.port(), budget, cx.lang));
    }
    let now = cx.now.duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64);
    match (&row.leaf, tls.refusal()) {
        (Some(leaf), Some(_)) if leaf.not_after < now => {
            let date = rfc3339(leaf.not_after);
            Outcome::Refused(say!(
                cx.lang,
                "an expired certificate (not after {date})",
                "过期的证书（有效期至 {date}）"
            ))
        }
        (_, Some(refusal)) => Outcome::Refused(say!(
            cx.lang,
            "a certificate the phone refuses ({refusal})",
            "手机拒绝的证书（{refusal}）"
        )),
        (leaf, None) => Outcome::Ok(leaf.as_ref().map(|l| l.sha256.clone())),
    }
}

/// `asked`: the method, when the request was sent to the other addresses too.
fn judge(rows: &[Row<'_>], outcomes: &[Outcome], tls: bool, asked: Option<&str>, lang: Lang) -> Check {
    let id = CheckId::DnsAddresses;
    let total = rows.len();
    let phone = rows.iter().position(|r| r.phone).expect("the chosen address is a row");
    let (first, first_outcome) = (rows[phone].addr, &outcomes[phone]);
    if total == 1 {
        return Check::pass(
            id,
            say!(lang, "one address, {first}: the one the phone uses", "只有一个地址 {first}，即手机使用的地址"),
        );
    }
    let phone_leaf = match first_outcome {
        Outcome::Ok(leaf) => leaf.clone(),
        Outcome::Tls(why) | Outcome::Refused(why) => {
            let working = outcomes.iter().filter(|o| matches!(o, Outcome::Ok(_))).count();
            if working == 0 {
                return Check::skip(
                    id,
                    say!(
                        lang,
                        "the address the phone uses fails, and no other works: see the step 3 checks",
                        "手机使用的地址失败，其他地址也都不可用：见第 3 步的检查"
                    ),
                );
            }
            return phone_address_fails(first, why, working, lang);
        }
        Outcome::Tcp => None,
    };
    let problems: Vec<String> = rows
        .iter()
        .zip(outcomes)
        .filter(|(row, _)| !row.phone)
        .filter_map(|(row, outcome)| {
            problem(row, outcome, phone_leaf.as_deref(), lang).or_else(|| answer_problem(row, &rows[phone], lang))
        })
        .collect();
    if problems.is_empty() {
        return Check::pass(id, all_agree(total, tls, asked, rows[phone].answer, lang));
    }
    let (n, list) = (problems.len(), problems.join(say!(lang, "; ", "；").as_str()));
    Check::warn(
        id,
        say!(
            lang,
            "{n} of {total} addresses differ from the one the phone uses first ({first}): {list} — some users meet them",
            "{total} 个地址中有 {n} 个与手机首选的地址（{first}）不同：{list}——部分用户会连到它们"
        ),
    )
    .hint(say!(
        lang,
        "fix or remove those addresses (a CDN node or load-balancer member with an old certificate or setup): phones and DNS answers differ in the address they take",
        "请修复或移除这些地址（证书或配置过旧的 CDN 节点或负载均衡成员）：不同的手机和 DNS 应答会选用不同的地址"
    ))
}

/// What is wrong with another address, if anything (TCP failures are tcp.connect's).
fn problem(row: &Row<'_>, outcome: &Outcome, phone_leaf: Option<&str>, lang: Lang) -> Option<String> {
    let addr = row.addr;
    match outcome {
        Outcome::Tcp => None,
        Outcome::Tls(why) => {
            Some(say!(lang, "{addr} fails the TLS handshake ({why})", "{addr} 的 TLS 握手失败（{why}）"))
        }
        Outcome::Refused(what) => Some(say!(lang, "{addr} serves {what}", "{addr} 提供的是{what}")),
        Outcome::Ok(Some(leaf)) if phone_leaf.is_some_and(|phone| phone != leaf) => {
            let name = row.leaf.as_ref().map(|l| l.name.clone()).unwrap_or_default();
            let short: String = leaf.chars().take(11).collect();
            Some(say!(
                lang,
                "{addr} serves a different certificate ('{name}', SHA-256 {short}…)",
                "{addr} 提供的是另一张证书（“{name}”，SHA-256 {short}…）"
            ))
        }
        Outcome::Ok(_) => None,
    }
}

/// The pass summary: what every address agreed on.
fn all_agree(
    total: usize,
    tls: bool,
    asked: Option<&str>,
    phone: Option<Result<&Response, &ExchangeError>>,
    lang: Lang,
) -> String {
    if !tls {
        return say!(
            lang,
            "all {total} addresses that accept TCP serve the request",
            "全部 {total} 个可连接的地址都可用"
        );
    }
    let all = say!(
        lang,
        "all {total} addresses that accept TCP complete the TLS handshake and serve the same certificate",
        "全部 {total} 个可连接的地址都能完成 TLS 握手，并提供相同的证书"
    );
    match (asked, phone) {
        (Some(_), Some(Ok(response))) => {
            let status = response.status;
            say!(lang, "{all}, and answer {status}", "{all}，且都返回 {status}")
        }
        (None, _) => say!(
            lang,
            "{all} (the request was not sent to the others: its method is not safe to repeat)",
            "{all}（未向其他地址发送该请求：它的方法不宜重复发送）"
        ),
        _ => all,
    }
}

/// How another address's answer differs from the phone's address's, if it
/// does: another status, or no complete response where the phone's got one.
fn answer_problem(row: &Row<'_>, phone: &Row<'_>, lang: Lang) -> Option<String> {
    let (addr, first) = (row.addr, phone.addr);
    let Some(Ok(expected)) = phone.answer else { return None };
    let expected = expected.status;
    match row.answer? {
        Ok(response) if response.status != expected => {
            let status = response.status;
            Some(say!(
                lang,
                "{addr} answers {status} where {first} answers {expected}",
                "{addr} 返回 {status}，而 {first} 返回 {expected}"
            ))
        }
        Ok(_) => None,
        Err(ExchangeError::TimedOutWaiting | ExchangeError::TimedOutReading) => {
            let limit = crate::probe::SWEEP_LIMIT.as_secs();
            Some(say!(
                lang,
                "{addr} gives no complete response within {limit} s",
                "{addr} 在 {limit} 秒内没有返回完整的响应"
            ))
        }
        Err(error) => {
            let why = super::http::exchange_error(error, lang);
            Some(say!(lang, "{addr} gives no valid response ({why})", "{addr} 没有返回有效的响应（{why}）"))
        }
    }
}

/// The phone's first pick fails while others work: only some users succeed.
fn phone_address_fails(first: SocketAddr, why: &str, working: usize, lang: Lang) -> Check {
    Check::fail(
        CheckId::DnsAddresses,
        say!(
            lang,
            "the address the phone uses first, {first}, fails: {why}; {working} other address(es) work, so only some users succeed",
            "手机首选的地址 {first} 失败：{why}；另有 {working} 个地址可用，因此只有部分用户能成功"
        ),
    )
    .hint(say!(
        lang,
        "fix that address, or remove its DNS record: phones take the addresses in the order DNS gives them, IPv6 first",
        "请修复该地址，或删除它的 DNS 记录：手机按 DNS 返回的顺序选择地址，且优先 IPv6"
    ))
}

/// One object per address, for scripts.
fn data(rows: &[Row<'_>], outcomes: &[Outcome]) -> Value {
    rows.iter()
        .zip(outcomes)
        .map(|(row, outcome)| {
            let session = row.tls.and_then(TlsTrace::session);
            json!({
                "address": row.addr.to_string(),
                "family": if row.addr.is_ipv6() { "IPv6" } else { "IPv4" },
                "phone": row.phone,
                "tcp": super::network::outcome_name(row.tcp),
                "connect_ms": row.connect_ms,
                "tls_version": session.map(|s| s.version_name()),
                "cert_sha256": row.leaf.as_ref().map(|l| l.sha256.clone()),
                "cert_not_after": row.leaf.as_ref().map(|l| rfc3339(l.not_after)),
                "http_status": match row.answer {
                    Some(Ok(response)) => json!(response.status),
                    _ => Value::Null,
                },
                "outcome": match outcome {
                    Outcome::Ok(_) => "ok",
                    Outcome::Tcp => "tcp",
                    Outcome::Tls(_) => "tls",
                    Outcome::Refused(_) => "certificate",
                },
            })
        })
        .collect()
}
