//! Steps 5 and 6 and the response: did the request finish within the timeout
//! budget, did it stay on its host through redirects, what status came back,
//! and does this machine's clock agree with the server's?

use std::time::{Duration, UNIX_EPOCH};

use serde_json::json;

use super::TimeoutSource;
use super::wx::{NetError, Phone};
use super::{Check, CheckId, Context, millis, upstream};
use crate::lang::Lang;
use crate::miniprogram::{Api, WEBSOCKET_KEY, websocket_accept};
use crate::probe::http::{ExchangeError, H2Frame, Protocol, Response};
use crate::probe::redirect::Refusal;
use crate::probe::{HopFailure, HttpEnd, HttpTrace, Phase};
use crate::request::RedirectMode;
use crate::say;

/// Skew beyond this makes certificate dates doubtful.
const MAX_SKEW: Duration = Duration::from_secs(5 * 60);

pub(super) fn checks(cx: &Context<'_>) -> Vec<Check> {
    vec![clock_skew(cx), timeout_budget(cx), redirect(cx), response(cx)]
}

fn http_trace<'a>(cx: &'a Context<'_>) -> Result<&'a HttpTrace, String> {
    cx.trace
        .http
        .as_ref()
        .ok_or_else(|| upstream(cx).unwrap_or_else(|| say!(cx.lang, "the request was not sent", "请求未发出")))
}

fn clock_skew(cx: &Context<'_>) -> Check {
    let id = CheckId::ClockSkew;
    let lang = cx.lang;
    let refused_date = cx.trace.connection.as_ref().and_then(|c| c.refused_date);
    let (date, received_at) = match (http_trace(cx), refused_date) {
        (_, Some(found)) => found,
        (Ok(http), None) => {
            let Some(response) = http.hops.first().and_then(|h| h.response.as_ref()) else {
                return Check::skip(
                    id,
                    say!(
                        lang,
                        "no response to read a Date header from ({http_response})",
                        "没有响应，无法读取 Date 响应头（{http_response}）",
                        http_response = CheckId::HttpResponse
                    ),
                );
            };
            match response.date {
                Some(date) => (date, response.received_at),
                None => {
                    return Check::info(
                        id,
                        say!(
                            lang,
                            "the server sent no Date header to compare clocks with",
                            "服务器未返回 Date 响应头，无法比对时钟"
                        ),
                    );
                }
            }
        }
        (Err(because), None) => return Check::skip(id, because),
    };
    let seconds = |t: std::time::SystemTime| t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64);
    let skew = seconds(received_at) - seconds(date);
    skew_check(skew, lang).data("skew_seconds", skew)
}

/// Judges `skew`, this machine's clock minus the server's, in seconds.
fn skew_check(skew: i64, lang: Lang) -> Check {
    let id = CheckId::ClockSkew;
    let by = skew.unsigned_abs();
    if by <= 1 {
        return Check::info(
            id,
            say!(
                lang,
                "this machine's clock agrees with the server's Date header",
                "本机时钟与服务器 Date 响应头的时间一致"
            ),
        );
    }
    if by <= MAX_SKEW.as_secs() {
        return Check::info(
            id,
            say!(
                lang,
                "this machine's clock agrees with the server's Date header within {by} s",
                "本机时钟与服务器 Date 响应头的时间相差不超过 {by} 秒"
            ),
        );
    }
    let summary = match (skew > 0, lang) {
        (true, Lang::En) => format!("this machine's clock is {by} s ahead of the server's Date header"),
        (false, Lang::En) => format!("this machine's clock is {by} s behind the server's Date header"),
        (true, Lang::Zh) => format!("本机时钟比服务器 Date 响应头的时间快 {by} 秒"),
        (false, Lang::Zh) => format!("本机时钟比服务器 Date 响应头的时间慢 {by} 秒"),
    };
    Check::warn(id, summary).hint(say!(
        lang,
        "sync the clock (NTP) on this machine or the server; certificate dates are judged by this clock",
        "请同步本机或服务器的时钟（NTP）；证书有效期是按本机时钟判断的"
    ))
}

fn timeout_budget(cx: &Context<'_>) -> Check {
    let id = CheckId::TimeoutBudget;
    let lang = cx.lang;
    let budget = cx.probe.timeout;
    let field = format!("networkTimeout.{}", cx.probe.request.api.name());
    let source = match &cx.rules.timeout_source {
        TimeoutSource::Default => say!(lang, "the default {field}", "默认的 {field}"),
        TimeoutSource::Flag => "--timeout-ms".to_owned(),
        TimeoutSource::AppJson(path) => say!(lang, "{field} in {}", "{} 中的 {field}", path.display()),
        TimeoutSource::ScrapeTimeout => {
            say!(lang, "Prometheus' scrape timeout, less 0.5 s", "Prometheus 的抓取超时时间减去 0.5 秒")
        }
    };
    let total = cx.trace.timings.total;
    let budget_ms = budget.as_millis();
    if let Some(phase) = cx.trace.ran_out {
        return ran_out(phase, budget_ms, (&source, &field), lang).took(total);
    }
    let last = cx.trace.http.as_ref().and_then(|h| h.hops.last()).and_then(|hop| hop.response.as_ref());
    if last.is_none() {
        let because = say!(
            lang,
            "no complete response to time ({http_response})",
            "没有完整的响应可供计时（{http_response}）",
            http_response = CheckId::HttpResponse
        );
        return Check::skip(id, upstream(cx).unwrap_or(because));
    }
    let ms = millis(total);
    let summary = say!(
        lang,
        "took {ms} ms of the {budget_ms} ms budget ({source})",
        "耗时 {ms} ms，超时时间为 {budget_ms} ms（{source}）"
    );
    let check = if total > budget / 2 {
        Check::warn(id, say!(lang, "{summary}: more than half of it", "{summary}：已用掉一半以上")).hint(say!(
            lang,
            "a slower network or a busier server will cross the budget; speed up the server or raise {field}",
            "网络稍慢或服务器稍忙时就会超时；请加快服务器响应，或调大 {field}"
        ))
    } else {
        Check::pass(id, summary)
    };
    check.data("budget_ms", budget_ms as u64).took(total)
}

/// The budget ran out during `phase`; `source` names where the budget was set,
/// `field` the app.json field that sets it.
fn ran_out(phase: Phase, budget_ms: u128, (source, field): (&str, &str), lang: Lang) -> Check {
    let during = phase_name(phase, lang);
    let summary = say!(
        lang,
        "the request did not finish within {budget_ms} ms ({source}): the time ran out during {during}",
        "请求未能在 {budget_ms} ms（{source}）内完成：{during}时超时"
    );
    Check::fail(CheckId::TimeoutBudget, summary)
        .hint(say!(
            lang,
            "make the server answer faster, or raise {field} in app.json (now {budget_ms} ms)",
            "请加快服务器响应，或调大 app.json 中的 {field}（当前为 {budget_ms} ms）"
        ))
        .data("budget_ms", budget_ms as u64)
        .data("phase", phase.key())
}

/// A phase of the request, as people name it.
fn phase_name(phase: Phase, lang: Lang) -> &'static str {
    match (phase, lang) {
        (Phase::Dns, Lang::En) => "the DNS lookup",
        (Phase::Dns, Lang::Zh) => "DNS 解析",
        (Phase::Connect, Lang::En) => "the TCP connect",
        (Phase::Connect, Lang::Zh) => "TCP 连接",
        (Phase::Tls, Lang::En) => "the TLS handshake",
        (Phase::Tls, Lang::Zh) => "TLS 握手",
        (Phase::FirstByte, Lang::En) => "waiting for the response",
        (Phase::FirstByte, Lang::Zh) => "等待响应",
        (Phase::Body, Lang::En) => "reading the response body",
        (Phase::Body, Lang::Zh) => "读取响应体",
    }
}

/// Why a redirect hop's new connection failed, in a few words.
fn hop_failure(failure: &HopFailure, budget_ms: u128, lang: Lang) -> String {
    let (host, port, conn) = match failure {
        HopFailure::Http(error) => return exchange_error(error, lang),
        HopFailure::Connect { host, port, conn } => (host, *port, conn),
    };
    let tunnel = conn.proxy.as_ref().and_then(|p| super::proxy::failure(conn, p, budget_ms, lang));
    let why = if let Some(tunnel) = tunnel {
        tunnel
    } else if let Some(refusal) = conn.tls.as_ref().and_then(|t| t.refusal()) {
        say!(lang, "the certificate was refused: {refusal}", "证书被拒绝：{refusal}")
    } else if let Some(failure) = conn.tls.as_ref().and_then(|t| t.failure()) {
        super::tls::failure_summary(failure, port, budget_ms, lang)
    } else if let Some(tcp) = &conn.tcp {
        let tried: Vec<String> = tcp
            .attempts
            .iter()
            .map(|a| format!("{} {}", a.addr, super::network::outcome_text(&a.result, a.elapsed, lang)))
            .collect();
        format!("TCP: {}", tried.join(", "))
    } else if let Some(lookup) = &conn.dns {
        let (a, aaaa) = (super::network::describe(&lookup.v4, lang), super::network::describe(&lookup.v6, lang));
        format!("DNS: A {a}, AAAA {aaaa}")
    } else {
        say!(lang, "no address", "没有地址").to_owned()
    };
    say!(lang, "could not connect to {host}:{port}: {why}", "无法连接 {host}:{port}：{why}")
}

/// An exchange that produced no usable response, in a few words (hyper's own for what it found).
pub(super) fn exchange_error(error: &ExchangeError, lang: Lang) -> String {
    match error {
        ExchangeError::TimedOutWaiting => say!(lang, "no response within the timeout budget", "超时时间内没有响应"),
        ExchangeError::TimedOutReading => {
            say!(lang, "the body did not end within the timeout budget", "超时时间内响应体没有读完")
        }
        ExchangeError::Empty => {
            say!(
                lang,
                "the server closed the connection without an HTTP response",
                "服务器未返回 HTTP 响应就关闭了连接"
            )
        }
        ExchangeError::HeadTooLarge => {
            let max = crate::probe::http::MAX_HEAD / 1024;
            say!(lang, "the response head is too large (over {max} KiB)", "响应头太大（超过 {max} KiB）")
        }
        ExchangeError::Invalid(why) => why.clone(),
        ExchangeError::Malformed(error) => super::head::refused(*error, lang).summary,
        ExchangeError::Body(why) => say!(lang, "reading the body: {why}", "读取响应体时出错：{why}"),
        ExchangeError::BodyCut { declared: Some(declared), received } => say!(
            lang,
            "the body ended after {received} of the {declared} bytes its Content-Length announced",
            "响应体只收到 {received} 字节就结束了，而 Content-Length 声明了 {declared} 字节"
        ),
        ExchangeError::BodyCut { declared: None, received } => say!(
            lang,
            "the chunked body ended after {received} bytes, before its last chunk",
            "分块（chunked）响应体在收到 {received} 字节后、最后一块之前就结束了"
        ),
        ExchangeError::BadChunk(why) => {
            say!(lang, "the chunked body is malformed: {why}", "分块（chunked）响应体格式有误：{why}")
        }
        ExchangeError::Request(why) => say!(lang, "cannot build the request: {why}", "无法构造请求：{why}"),
        ExchangeError::Http2 { frame, reason } => {
            let code = h2_reason(*reason);
            match frame {
                H2Frame::Reset => {
                    say!(
                        lang,
                        "the server reset the HTTP/2 stream (RST_STREAM {code})",
                        "服务器重置了 HTTP/2 流（RST_STREAM {code}）"
                    )
                }
                H2Frame::GoAway => say!(
                    lang,
                    "the server closed the HTTP/2 connection (GOAWAY {code})",
                    "服务器关闭了 HTTP/2 连接（GOAWAY {code}）"
                ),
                H2Frame::Local => {
                    say!(lang, "the server broke the HTTP/2 protocol ({code})", "服务器违反了 HTTP/2 协议（{code}）")
                }
            }
        }
    }
}

/// An HTTP/2 error code's name (RFC 9113 §7).
fn h2_reason(code: u32) -> String {
    const NAMES: [&str; 14] = [
        "NO_ERROR",
        "PROTOCOL_ERROR",
        "INTERNAL_ERROR",
        "FLOW_CONTROL_ERROR",
        "SETTINGS_TIMEOUT",
        "STREAM_CLOSED",
        "FRAME_SIZE_ERROR",
        "REFUSED_STREAM",
        "CANCEL",
        "COMPRESSION_ERROR",
        "CONNECT_ERROR",
        "ENHANCE_YOUR_CALM",
        "INADEQUATE_SECURITY",
        "HTTP_1_1_REQUIRED",
    ];
    usize::try_from(code).ok().and_then(|i| NAMES.get(i)).map_or_else(|| format!("0x{code:x}"), |n| (*n).to_owned())
}

fn redirect(cx: &Context<'_>) -> Check {
    let id = CheckId::HttpRedirect;
    let lang = cx.lang;
    let http = match http_trace(cx) {
        Ok(http) => http,
        Err(because) => return Check::skip(id, because),
    };
    let hops: Vec<_> = http
        .hops
        .iter()
        .map(|h| json!({"url": h.url.as_str(), "method": h.method, "status": h.response.as_ref().map(|r| r.status)}))
        .collect();
    let status = http.hops.last().and_then(|h| h.response.as_ref()).map_or(0, |r| r.status);
    if let Some(check) = manual(http, cx) {
        return check.data("hops", hops);
    }
    let check = match &http.end {
        Some(HttpEnd::Refused(refusal)) => refused(refusal, status, lang),
        Some(HttpEnd::HopUnreachable(failure)) => Check::fail(id, {
            let why = hop_failure(failure, cx.probe.timeout.as_millis(), lang);
            say!(lang, "a same-host redirect could not be followed: {why}", "无法跟随同域名下的重定向：{why}")
        })
        .hint(say!(
            lang,
            "make every URL the redirects lead to reachable, or stop redirecting",
            "请确保重定向指向的每个 URL 都能访问，或者取消重定向"
        ))
        .phone(None),
        _ if http.hops.len() > 1 => {
            let path = http.hops.iter().map(|h| hop_path(&h.url)).collect::<Vec<String>>().join(" → ");
            let n = http.hops.len() - 1;
            Check::pass(
                id,
                say!(lang, "followed {n} same-host redirect(s): {path}", "跟随了 {n} 次同域名重定向：{path}"),
            )
        }
        _ => Check::pass(id, say!(lang, "no redirect", "没有重定向")),
    };
    check.data("hops", hops)
}

/// `redirect: 'manual'`: a 3xx is the page's result, not a failure and not an allow-list matter.
fn manual(http: &HttpTrace, cx: &Context<'_>) -> Option<Check> {
    if cx.probe.request.redirect != RedirectMode::Manual {
        return None;
    }
    let response = http.hops.last()?.response.as_ref()?;
    let location = response.location.as_deref().filter(|_| (300..400).contains(&response.status))?;
    let (status, lang) = (response.status, cx.lang);
    let location = crate::text::clean(location, crate::text::MAX_LINE);
    let summary = say!(
        lang,
        "{status} to {location} is handed to the page (redirect: 'manual'); the mini program does not follow it",
        "{status} 重定向到 {location}，结果交给页面处理（redirect: 'manual'）；小程序不会跟随"
    );
    Some(Check::info(CheckId::HttpRedirect, summary).data("location", location))
}

/// A hop as the summary shows it: its path, after its port when the URL names one.
fn hop_path(url: &url::Url) -> String {
    match url.port() {
        Some(port) => format!(":{port}{}", url.path()),
        None => url.path().to_owned(),
    }
}

fn refused(refusal: &Refusal, status: u32, lang: Lang) -> Check {
    let (summary, hint) = match refusal {
        Refusal::OtherHost(to) => (
            say!(lang, "a {status} redirect points to another host: {to}", "{status} 重定向指向了其他域名：{to}"),
            say!(
                lang,
                "the mini program does not follow a redirect off its allowed domain: answer from this host, or call the final URL directly (its origin on the allow-list)",
                "小程序不会跟随跳出合法域名的重定向：请直接由当前域名返回结果，或直接请求最终的 URL（并将其域名加入 request 合法域名）"
            ),
        ),
        Refusal::OtherPort(to) => {
            let port = to.port().map(|p| p.to_string()).unwrap_or_default();
            (
                say!(
                    lang,
                    "a {status} redirect changes the port, so it goes to another origin: {to}",
                    "{status} 重定向改变了端口，跳到了另一个源（origin）：{to}"
                ),
                say!(
                    lang,
                    "keep redirects on the request's origin; the allow-list's exact-port rule treats :{port} as another origin, allowed only when listed with that port — or call the URL with :{port} directly",
                    "请让重定向停留在原请求的源（origin）上；合法域名的端口规则把 :{port} 视为另一个源，只有配置了带该端口的地址才允许——或者直接请求带 :{port} 的 URL"
                ),
            )
        }
        Refusal::Insecure(to) => (
            say!(lang, "a {status} redirect leaves HTTPS: {to}", "{status} 重定向跳转到了非 HTTPS 地址：{to}"),
            say!(lang, "redirect only to https: URLs on the same host", "只能重定向到同一域名下的 https: URL"),
        ),
        Refusal::Loop(to) => (
            say!(lang, "redirect loop: {to} was already requested", "重定向循环：{to} 已经请求过"),
            say!(
                lang,
                "fix the server's redirect rules (often an http→https or trailing-slash rule fighting another)",
                "请修正服务器的重定向规则（常见原因是 http→https 或末尾斜杠的规则与其他规则相互冲突）"
            ),
        ),
        Refusal::TooMany(max) => (
            say!(lang, "more than {max} redirects (--max-redirects)", "重定向超过 {max} 次（--max-redirects）"),
            say!(lang, "redirect at most once, straight to the final URL", "最多重定向一次，直接跳转到最终的 URL"),
        ),
        Refusal::BadLocation(location) => (
            say!(
                lang,
                "a {status} redirect's Location is not a URL: {location:?}",
                "{status} 重定向的 Location 不是合法的 URL：{location:?}"
            ),
            say!(lang, "send an absolute https: URL in Location", "请在 Location 中返回完整的 https: 绝对 URL"),
        ),
    };
    // The phone reports a redirect off the allowed https: origin as a domain-list
    // miss, and a loop or a long chain as too many redirects.
    let phone = match refusal {
        Refusal::OtherHost(_) | Refusal::OtherPort(_) | Refusal::Insecure(_) => Some(Phone::NotInDomainList),
        Refusal::Loop(_) | Refusal::TooMany(_) => Some(Phone::TooManyRedirects),
        Refusal::BadLocation(_) => None,
    };
    Check::fail(CheckId::HttpRedirect, summary).hint(hint).phone(phone)
}

fn response(cx: &Context<'_>) -> Check {
    let id = CheckId::HttpResponse;
    let lang = cx.lang;
    let http = match http_trace(cx) {
        Ok(http) => http,
        Err(because) => return Check::skip(id, because),
    };
    let tls = cx.trace.connection.as_ref().and_then(|c| c.tls.as_ref());
    if let Some(because) = tls.and_then(|tls| super::client_auth::skip_reason(tls, cx)) {
        return Check::skip(id, because);
    }
    if let Some(check) = http.end.as_ref().and_then(|end| unfinished(end, lang)) {
        return check;
    }
    let Some(last) = http.hops.last().and_then(|h| h.response.as_ref()) else {
        return Check::skip(id, say!(lang, "no response", "没有响应"));
    };
    let reason = u16::try_from(last.status)
        .ok()
        .and_then(|code| http::StatusCode::from_u16(code).ok())
        .and_then(|s| s.canonical_reason())
        .unwrap_or("");
    let (status, bytes, ttfb) = (last.status, last.body_bytes, millis(last.ttfb));
    let status_text = format!("{status} {reason}");
    let status_text = status_text.trim_end();
    let mut summary = say!(
        lang,
        "{status_text}, {bytes} bytes (first byte after {ttfb} ms)",
        "{status_text}，{bytes} 字节（首字节耗时 {ttfb} ms）"
    );
    if last.protocol == Protocol::Http2 {
        summary.push_str(&say!(
            lang,
            " over HTTP/2; the page sees header names in lower case (res.header['content-type'], not ['Content-Type'])",
            "，经由 HTTP/2；页面拿到的响应头名称为小写（res.header['content-type']，而不是 ['Content-Type']）"
        ));
    }
    if http.downgraded {
        summary.push_str(&say!(
            lang,
            " over HTTP/1.1: the server answered HTTP/2 with HTTP_1_1_REQUIRED, and the phone, as here, sends the request again over HTTP/1.1",
            "，经由 HTTP/1.1：服务器以 HTTP_1_1_REQUIRED 拒绝了 HTTP/2，手机会像这里一样改用 HTTP/1.1 重新发送请求"
        ));
    }
    if cx.probe.request.api == Api::ConnectSocket {
        return websocket(last, summary, lang);
    }
    let check = if let Some(check) = body_check(last, &summary, cx) {
        check
    } else if last.status >= 400 {
        Check::warn(id, summary).hint(say!(
            lang,
            "wx.request still calls success with statusCode {status}: check res.statusCode in the page, and fix the server's error",
            "wx.request 仍会进入 success 回调（statusCode 为 {status}）：请在页面中检查 res.statusCode，并修复服务器端的错误"
        ))
    } else {
        Check::pass(id, summary)
    };
    let check = super::head::forgiven(check, &http.hops, lang);
    check.data("status", last.status).data("body_bytes", last.body_bytes).data("protocol", last.protocol.name())
}

/// connectSocket: the server must switch protocols with the right accept key.
fn websocket(last: &Response, summary: String, lang: Lang) -> Check {
    let id = CheckId::HttpResponse;
    let expected = websocket_accept(WEBSOCKET_KEY);
    let status = last.status;
    match (status, last.websocket_accept.as_deref()) {
        (101, Some(accept)) if accept == expected => Check::pass(
            id,
            say!(lang, "{summary}: the WebSocket upgrade works", "{summary}：WebSocket 升级成功"),
        ),
        (101, _) => Check::fail(id, say!(lang, "101, but with a wrong or missing Sec-WebSocket-Accept", "返回了 101，但 Sec-WebSocket-Accept 缺失或不正确"))
            .hint(say!(lang, "use a WebSocket server or library that follows RFC 6455", "请使用遵循 RFC 6455 的 WebSocket 服务端或库"))
            .phone(None),
        _ => Check::fail(id, say!(lang, "the server answered {status} and did not upgrade to WebSocket", "服务器返回 {status}，没有升级为 WebSocket"))
            .hint(say!(
                lang,
                "serve WebSocket on this path, and let the proxy pass Upgrade (nginx: proxy_set_header Upgrade $http_upgrade; proxy_set_header Connection \"upgrade\";)",
                "请在该路径提供 WebSocket 服务，并让代理转发 Upgrade 头（nginx：proxy_set_header Upgrade $http_upgrade; proxy_set_header Connection \"upgrade\";）"
            ))
            .phone(None),
    }
    .data("status", status)
}

/// dataType json: a 2xx body that is not JSON reaches the page as a String; a BOM is noted.
fn body_check(last: &Response, summary: &str, cx: &Context<'_>) -> Option<Check> {
    let (id, lang) = (CheckId::HttpResponse, cx.lang);
    let request = &cx.probe.request;
    if request.api != Api::Request || !request.expect_json || !(200..300).contains(&last.status) {
        return None;
    }
    match last.body_json {
        Some(false) => Some(
            Check::warn(id, say!(lang, "{summary}, but the body is not JSON", "{summary}，但响应体不是 JSON"))
                .hint(say!(
                    lang,
                    "with dataType 'json' (the default) the page gets res.data as a String: return JSON, or set dataType to 'text'",
                    "dataType 为 'json'（默认）时页面拿到的 res.data 会是字符串：请返回 JSON，或把 dataType 设为 'text'"
                )),
        ),
        Some(true) if last.body_bom => Some(Check::pass(
            id,
            say!(lang, "{summary}; the JSON body starts with a UTF-8 BOM", "{summary}；JSON 响应体以 UTF-8 BOM 开头"),
        )),
        _ => None,
    }
}

/// A body that broke off or whose chunks are malformed, with Chromium 156's
/// error for each (tried here): -354, -355, -321.
fn body_broke(error: &ExchangeError, lang: Lang) -> Check {
    let net = match error {
        ExchangeError::BodyCut { declared: Some(_), .. } => NetError::ContentLengthMismatch,
        ExchangeError::BodyCut { declared: None, .. } => NetError::IncompleteChunkedEncoding,
        _ => NetError::InvalidChunkedEncoding,
    };
    let hint = match net {
        NetError::InvalidChunkedEncoding => say!(
            lang,
            "the chunk framing is broken: look for code or a proxy that writes chunked encoding itself",
            "分块编码的格式被破坏了：请检查自行输出 chunked 编码的代码或代理"
        ),
        _ => say!(
            lang,
            "the server or a proxy stopped sending in the middle of the body (a crash or timeout behind it, or a wrong Content-Length): check their logs",
            "服务器或代理在发送响应体的中途停止了（其后的应用崩溃或超时，或 Content-Length 不正确）：请查看它们的日志"
        ),
    };
    Check::fail(CheckId::HttpResponse, exchange_error(error, lang)).hint(hint).phone(Phone::Net(net))
}

/// The response check of an exchange that ended before a complete response.
fn unfinished(end: &HttpEnd, lang: Lang) -> Option<Check> {
    let id = CheckId::HttpResponse;
    Some(match end {
        HttpEnd::Refused(_) | HttpEnd::HopUnreachable(_) => Check::skip(
            id,
            say!(
                lang,
                "the redirect was not followed ({http_redirect})",
                "未跟随重定向（{http_redirect}）",
                http_redirect = CheckId::HttpRedirect
            ),
        ),
        HttpEnd::Failed(ExchangeError::TimedOutWaiting | ExchangeError::TimedOutReading) => Check::skip(
            id,
            say!(
                lang,
                "no complete response within the timeout budget ({timeout_budget})",
                "超时时间内未收到完整响应（{timeout_budget}）",
                timeout_budget = CheckId::TimeoutBudget
            ),
        ),
        HttpEnd::Failed(ExchangeError::Malformed(error)) => super::head::refused(*error, lang),
        HttpEnd::Failed(error @ (ExchangeError::BodyCut { .. } | ExchangeError::BadChunk(_))) => {
            body_broke(error, lang)
        }
        HttpEnd::Failed(error @ ExchangeError::Empty) => Check::fail(id, exchange_error(error, lang)).hint(say!(
            lang,
            "check the server's logs: it accepts the request but never answers",
            "请查看服务器日志：服务器接收了请求，但始终没有响应"
        )),
        HttpEnd::Failed(error @ ExchangeError::HeadTooLarge) => Check::fail(id, exchange_error(error, lang))
            .hint(say!(
                lang,
                "phones refuse response heads over 256 KiB: send fewer or smaller headers (large cookies?)",
                "手机会拒绝超过 256 KiB 的响应头：请减少或缩短响应头（是否有过大的 Cookie？）"
            ))
            .phone(Phone::Net(NetError::ResponseHeadersTooBig)),
        HttpEnd::Failed(error @ ExchangeError::Http2 { reason, .. }) => {
            // What Chromium 156 reports for these, tried here: a refused stream has its own error.
            let net = if *reason == 7 { NetError::Http2ServerRefusedStream } else { NetError::Http2ProtocolError };
            Check::fail(id, exchange_error(error, lang))
                .hint(say!(
                    lang,
                    "check the HTTP/2 setup of the server and of any proxy in front of it; without enableHttp2 the mini program uses HTTP/1.1",
                    "请检查服务器及其前置代理的 HTTP/2 配置；不开启 enableHttp2 时，小程序使用 HTTP/1.1"
                ))
                .phone(Phone::Net(net))
        }
        HttpEnd::Failed(error) => {
            let why = exchange_error(error, lang);
            Check::fail(id, say!(lang, "no valid HTTP response: {why}", "没有收到有效的 HTTP 响应：{why}")).hint(say!(
                lang,
                "the server does not speak HTTP/1.1 correctly on this connection",
                "服务器在此连接上没有正确使用 HTTP/1.1 协议"
            ))
        }
        HttpEnd::Complete => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::Status;

    #[test]
    fn clock_skew_reads_in_both_languages() {
        let ahead = skew_check(600, Lang::En);
        assert_eq!(
            (ahead.status, ahead.summary.as_str()),
            (Status::Warn, "this machine's clock is 600 s ahead of the server's Date header")
        );
        assert_eq!(skew_check(-600, Lang::Zh).summary, "本机时钟比服务器 Date 响应头的时间慢 600 秒");
        assert!(skew_check(3, Lang::Zh).summary.contains("相差不超过 3 秒"));
        assert!(skew_check(-600, Lang::Zh).hint.is_some_and(|h| h.contains("NTP")));
    }

    #[test]
    fn a_budget_that_ran_out_names_the_phase() {
        let en = ran_out(Phase::Tls, 700, ("--timeout-ms", "networkTimeout.request"), Lang::En);
        assert!(en.summary.ends_with("the time ran out during the TLS handshake"), "{}", en.summary);
        let zh = ran_out(Phase::FirstByte, 700, ("--timeout-ms", "networkTimeout.request"), Lang::Zh);
        assert_eq!(zh.summary, "请求未能在 700 ms（--timeout-ms）内完成：等待响应时超时");
    }

    #[test]
    fn refused_redirects_are_explained_in_chinese() {
        let check = refused(&Refusal::TooMany(2), 302, Lang::Zh);
        assert_eq!(check.summary, "重定向超过 2 次（--max-redirects）");
        let check = refused(&Refusal::Loop(url::Url::parse("https://api.test/a").unwrap()), 302, Lang::En);
        assert_eq!(check.summary, "redirect loop: https://api.test/a was already requested");
    }
}
