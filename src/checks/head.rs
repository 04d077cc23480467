//! The response head as the phone read it: a head that breaks HTTP/1.1 but
//! that the phone accepts makes `http.response` warn, naming each flaw; a
//! head the phone refuses fails it with Chromium's error.

use super::wx::{NetError, Phone};
use super::{Check, CheckId, Status};
use crate::lang::Lang;
use crate::probe::Hop;
use crate::probe::head::{Flaw, HeadError};
use crate::say;
use crate::text;

/// The most bytes of a server's line quoted in a flaw.
const MAX_QUOTE: usize = 80;

/// `check`, made a warn (unless it failed) when any response head broke
/// HTTP/1.1 in a way the phone forgives, with each flaw named.
pub(super) fn forgiven(check: Check, hops: &[Hop], lang: Lang) -> Check {
    let responses = hops.iter().filter_map(|hop| hop.response.as_ref());
    let flaws: Vec<(u32, &Flaw)> = responses.flat_map(|r| r.malformed.iter().map(move |f| (r.status, f))).collect();
    if flaws.is_empty() {
        return check;
    }
    let named = |lang| flaws.iter().map(|(status, flaw)| flaw_text(flaw, *status, lang)).collect::<Vec<_>>();
    let shown = named(lang).join("; ");
    let summary = if check.status == Status::Pass {
        say!(
            lang,
            "{summary}, but the response head is malformed: {shown}",
            "{summary}，但响应头格式有误：{shown}",
            summary = check.summary
        )
    } else {
        say!(
            lang,
            "{summary}; the response head is malformed too: {shown}",
            "{summary}；响应头格式也有误：{shown}",
            summary = check.summary
        )
    };
    let status = if check.status == Status::Fail { Status::Fail } else { Status::Warn };
    let hint = check.hint.clone().unwrap_or_else(|| {
        say!(
            lang,
            "phones read it leniently, as Chromium does, but other clients and proxies may refuse it: send a valid HTTP/1.1 status line and header lines",
            "手机会像 Chromium 一样宽松地读取，但其他客户端和代理可能拒绝：请返回符合 HTTP/1.1 的状态行和响应头"
        )
    });
    Check { status, summary, ..check }.hint(hint).data("malformed", named(Lang::En))
}

/// One flaw in a few words; `status` is what the phone read from that head.
fn flaw_text(flaw: &Flaw, status: u32, lang: Lang) -> String {
    let quote = |line: &str| format!("\"{}\"", text::clean(line, MAX_QUOTE));
    match flaw {
        Flaw::NoStatusLine => say!(
            lang,
            "no status line (HTTP/0.9): phones take the whole answer as the body of a 200",
            "没有状态行（HTTP/0.9）：手机把整个应答当作状态码 200 的响应体"
        ),
        Flaw::Leading(bytes) => {
            say!(lang, "{bytes} stray bytes before the status line", "状态行前有 {bytes} 个多余字节")
        }
        Flaw::StatusLine(line) => say!(
            lang,
            "the status line {line} is not HTTP/1.1 (phones read status {status})",
            "状态行 {line} 不符合 HTTP/1.1（手机读出的状态码为 {status}）",
            line = quote(line)
        ),
        Flaw::SkippedLine(line) => say!(
            lang,
            "phones skip the line {line} (it is not \"Name: value\")",
            "手机会跳过 {line} 这一行（不是“名称: 值”的形式）",
            line = quote(line)
        ),
        Flaw::Header(line) => say!(
            lang,
            "the header line {line} breaks HTTP/1.1 (phones keep it)",
            "响应头 {line} 不符合 HTTP/1.1（手机仍会接受）",
            line = quote(line)
        ),
        Flaw::Folded(name) => say!(
            lang,
            "the header {name} is folded onto a second line (phones join the lines)",
            "响应头 {name} 被折成了多行（手机会把它们拼接起来）",
            name = quote(name)
        ),
        Flaw::ContentLength(value) => say!(
            lang,
            "Content-Length {value} is not a number (phones ignore it and read until the connection closes)",
            "Content-Length {value} 不是数字（手机会忽略它，一直读到连接关闭）",
            value = quote(value)
        ),
    }
}

/// The fail of a response head the phone refuses.
pub(super) fn refused(error: HeadError, lang: Lang) -> Check {
    let (summary, hint) = match error {
        HeadError::Nul => (
            say!(lang, "the response head holds a NUL byte", "响应头中含有 NUL 字节"),
            say!(
                lang,
                "phones refuse a response head with a NUL byte: find what writes it (a header built from binary data?)",
                "手机会拒绝含有 NUL 字节的响应头：请找出写入它的代码（是否用二进制数据拼了响应头？）"
            ),
        ),
        HeadError::Http09OnPort => (
            say!(
                lang,
                "no HTTP status line came back, and the URL names a port",
                "没有收到 HTTP 状态行，且 URL 带有端口"
            ),
            say!(
                lang,
                "phones read an answer without a status line only on the default port: serve HTTP on this port",
                "手机只在默认端口上接受没有状态行的应答：请在这个端口上提供 HTTP 服务"
            ),
        ),
        HeadError::MultipleContentLength => contradiction("Content-Length", lang),
        HeadError::MultipleContentDisposition => contradiction("Content-Disposition", lang),
        HeadError::MultipleLocation => contradiction("Location", lang),
        HeadError::TooBig => (
            say!(lang, "the response head is too large (over 256 KiB)", "响应头太大（超过 256 KiB）"),
            say!(lang, "send fewer or smaller headers", "请减少或缩短响应头"),
        ),
        HeadError::Truncated => (
            say!(lang, "the connection closed in the middle of the response head", "响应头尚未收完，连接就关闭了"),
            say!(
                lang,
                "the server or a proxy closed the connection while sending the head: check their logs",
                "服务器或代理在发送响应头时关闭了连接：请查看它们的日志"
            ),
        ),
    };
    Check::fail(CheckId::HttpResponse, summary).hint(hint).phone(Phone::Net(NetError::of_head(error)))
}

fn contradiction(header: &str, lang: Lang) -> (String, String) {
    (
        say!(lang, "the response has {header} headers that disagree", "响应中有多个互相矛盾的 {header} 头"),
        say!(
            lang,
            "phones refuse a response whose {header} headers disagree: send one (often a proxy adds a second)",
            "手机会拒绝 {header} 头互相矛盾的响应：只保留一个（常见原因是代理又加了一个）"
        ),
    )
}
