//! Steps 5 and 6 and the response: did the request finish within the timeout
//! budget, did it stay on its host through redirects, what status came back,
//! and does this machine's clock agree with the server's?

use std::time::{Duration, UNIX_EPOCH};

use serde_json::json;

use super::wx::{NetError, Wx};
use super::{Check, CheckId, Context, millis, upstream};
use crate::config::TimeoutSource;
use crate::probe::http::ExchangeError;
use crate::probe::redirect::Refusal;
use crate::probe::{HttpEnd, HttpTrace};

/// Skew beyond this makes certificate dates doubtful.
const MAX_SKEW: Duration = Duration::from_secs(5 * 60);

pub(super) fn checks(cx: &Context<'_>) -> [Check; 4] {
    [clock_skew(cx), timeout_budget(cx), redirect(cx), response(cx)]
}

fn http_trace<'a>(cx: &'a Context<'_>) -> Result<&'a HttpTrace, String> {
    cx.trace.http.as_ref().ok_or_else(|| upstream(cx).unwrap_or_else(|| "the request was not sent".into()))
}

fn clock_skew(cx: &Context<'_>) -> Check {
    let id = CheckId::ClockSkew;
    let refused_date = cx.trace.connection.as_ref().and_then(|c| c.refused_date);
    let (date, received_at) = match (http_trace(cx), refused_date) {
        (_, Some(found)) => found,
        (Ok(http), None) => {
            let Some(response) = http.hops.first().and_then(|h| h.response.as_ref()) else {
                return Check::skip(id, "no response to read a Date header from (http.response)");
            };
            match response.date {
                Some(date) => (date, response.received_at),
                None => return Check::info(id, "the server sent no Date header to compare clocks with"),
            }
        }
        (Err(because), None) => return Check::skip(id, because),
    };
    let seconds = |t: std::time::SystemTime| t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64);
    let (server, local) = (seconds(date), seconds(received_at));
    let skew = local - server;
    let (ahead, by) = (skew > 0, Duration::from_secs(skew.unsigned_abs()));
    let direction = if ahead { "ahead of" } else { "behind" };
    let check = if by > MAX_SKEW {
        Check::warn(id, format!("this machine's clock is {} s {direction} the server's Date header", by.as_secs()))
            .hint("sync the clock (NTP) on this machine or the server; certificate dates are judged by this clock")
    } else {
        Check::info(id, format!("this machine's clock agrees with the server's Date header within {} s", by.as_secs()))
    };
    check.data("skew_seconds", skew)
}

fn timeout_budget(cx: &Context<'_>) -> Check {
    let id = CheckId::TimeoutBudget;
    let budget = cx.options.timeout;
    let source = match &cx.options.timeout_source {
        TimeoutSource::Default => "the default networkTimeout.request".to_owned(),
        TimeoutSource::Flag => "--timeout-ms".to_owned(),
        TimeoutSource::AppJson(path) => format!("networkTimeout.request in {}", path.display()),
    };
    let total = cx.trace.timings.total;
    let budget_ms = budget.as_millis();
    if let Some(phase) = cx.trace.ran_out {
        return Check::fail(
            id,
            format!("the request did not finish within {budget_ms} ms ({source}): the time ran out during {phase}"),
        )
        .hint(format!(
            "make the server answer faster, or raise networkTimeout.request in app.json (now {budget_ms} ms)"
        ))
        .wx(Some(Wx::timeout()))
        .data("budget_ms", budget_ms as u64)
        .data("phase", phase.key())
        .took(total);
    }
    let answered = cx.trace.http.as_ref().is_some_and(|h| h.hops.last().is_some_and(|hop| hop.response.is_some()));
    if !answered {
        return Check::skip(id, upstream(cx).unwrap_or_else(|| "no complete response to time (http.response)".into()));
    }
    let summary = format!("took {} ms of the {budget_ms} ms budget ({source})", millis(total));
    let check = if total > budget / 2 {
        Check::warn(id, format!("{summary}: more than half of it"))
            .hint("a slower network or a busier server will cross the budget; speed up the server or raise networkTimeout.request")
    } else {
        Check::pass(id, summary)
    };
    check.data("budget_ms", budget_ms as u64).took(total)
}

fn redirect(cx: &Context<'_>) -> Check {
    let id = CheckId::HttpRedirect;
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
    let check = match &http.end {
        Some(HttpEnd::Refused(refusal)) => refused(refusal, status),
        Some(HttpEnd::HopUnreachable(why)) => {
            Check::fail(id, format!("a same-host redirect could not be followed: {why}"))
                .hint("make every URL the redirects lead to reachable, or stop redirecting")
        }
        _ if http.hops.len() > 1 => {
            let path: Vec<&str> = http.hops.iter().map(|h| h.url.path()).collect();
            Check::pass(id, format!("followed {} same-host redirect(s): {}", http.hops.len() - 1, path.join(" → ")))
        }
        _ => Check::pass(id, "no redirect"),
    };
    check.data("hops", hops)
}

fn refused(refusal: &Refusal, status: u16) -> Check {
    let id = CheckId::HttpRedirect;
    let not_in_list = Some(Wx::not_in_domain_list());
    match refusal {
        Refusal::OtherHost(to) => Check::fail(id, format!("a {status} redirect points to another host: {to}"))
            .hint("the mini program does not follow a redirect off its allowed domain: answer from this host, or call the final URL directly (its origin on the allow-list)")
            .wx(not_in_list),
        Refusal::Insecure(to) => Check::fail(id, format!("a {status} redirect leaves HTTPS: {to}"))
            .hint("redirect only to https: URLs on the same host")
            .wx(not_in_list),
        Refusal::Loop(to) => Check::fail(id, format!("redirect loop: {to} was already requested"))
            .hint("fix the server's redirect rules (often an http→https or trailing-slash rule fighting another)"),
        Refusal::TooMany(max) => Check::fail(id, format!("more than {max} redirects (--max-redirects)"))
            .hint("redirect at most once, straight to the final URL"),
        Refusal::BadLocation(location) => Check::fail(id, format!("a {status} redirect's Location is not a URL: {location:?}"))
            .hint("send an absolute https: URL in Location"),
    }
}

fn response(cx: &Context<'_>) -> Check {
    let id = CheckId::HttpResponse;
    let http = match http_trace(cx) {
        Ok(http) => http,
        Err(because) => return Check::skip(id, because),
    };
    match &http.end {
        Some(HttpEnd::Refused(_) | HttpEnd::HopUnreachable(_)) => {
            return Check::skip(id, "the redirect was not followed (http.redirect)");
        }
        Some(HttpEnd::Failed(ExchangeError::TimedOutWaiting | ExchangeError::TimedOutReading)) => {
            return Check::skip(id, "no complete response within the timeout budget (timeout.budget)");
        }
        Some(HttpEnd::Failed(ExchangeError::Empty)) => {
            return Check::fail(id, "the server closed the connection without an HTTP response")
                .hint("check the server's logs: it accepts the request but never answers")
                .wx(Some(Wx::net(NetError::EmptyResponse)));
        }
        Some(HttpEnd::Failed(ExchangeError::Failed(why))) => {
            return Check::fail(id, format!("no valid HTTP response: {why}"))
                .hint("the server does not speak HTTP/1.1 correctly on this connection")
                .wx(Some(Wx::net(NetError::EmptyResponse)));
        }
        Some(HttpEnd::Complete) | None => {}
    }
    let Some(last) = http.hops.last().and_then(|h| h.response.as_ref()) else {
        return Check::skip(id, "no response");
    };
    let reason = http::StatusCode::from_u16(last.status).ok().and_then(|s| s.canonical_reason()).unwrap_or("");
    let summary =
        format!("{} {reason}, {} bytes (first byte after {} ms)", last.status, last.body_bytes, millis(last.ttfb));
    let check = if last.status >= 400 {
        Check::warn(id, summary).hint(format!(
            "wx.request still calls success with statusCode {}: check res.statusCode in the page, and fix the server's error",
            last.status
        ))
    } else {
        Check::pass(id, summary)
    };
    check.data("status", last.status).data("body_bytes", last.body_bytes)
}
