//! One request over HTTP/3 (h3 on the QUIC connection the handshake opened):
//! the TCP path's request, its status, the time to the response head and the
//! whole body read, as the phone reads it before `success` is called.

use bytes::{Buf, Bytes};
use h3::error::{ConnectionError, LocalError, StreamError};
use tokio::time::{Instant, timeout_at};

use super::handshake::classify;
use super::{H3Error, H3Response};
use crate::probe::http::{MAX_HEAD, Outgoing, authority_and_path, head_size, request_size};

/// Headers HTTP/3 forbids (RFC 9114 §4.2): the connection's own, and Host,
/// which `:authority` replaces.
const CONNECTION_SPECIFIC: [&str; 7] =
    ["connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "host", "te"];

/// Sends `outgoing` over `connection` and reads the whole response until `deadline`.
pub async fn exchange(
    connection: &quinn::Connection,
    outgoing: Outgoing<'_>,
    deadline: Instant,
) -> Result<H3Response, H3Error> {
    let sent_bytes = request_size(&outgoing);
    let (request, body) = build(&outgoing)?;
    let quic = h3_quinn::Connection::new(connection.clone());
    let (mut driver, mut sender) = timeout_at(deadline, h3::client::new(quic))
        .await
        .map_err(|_| H3Error::TimedOutWaiting)?
        .map_err(|e| connection_error(connection, e))?;
    let drive = tokio::spawn(async move { std::future::poll_fn(|cx| driver.poll_close(cx)).await });
    let sent = Instant::now();
    let result = async {
        let mut stream = timeout_at(deadline, sender.send_request(request))
            .await
            .map_err(|_| H3Error::TimedOutWaiting)?
            .map_err(|e| stream_error(connection, e))?;
        let stopped = send_rest(connection, &mut stream, body).await?;
        let head = timeout_at(deadline, stream.recv_response())
            .await
            .map_err(|_| H3Error::TimedOutWaiting)?
            .map_err(|e| stopped.unwrap_or_else(|| stream_error(connection, e)))?;
        let ttfb = sent.elapsed();
        let head_bytes = head_size(&head);
        if head_bytes > MAX_HEAD {
            return Err(H3Error::HeadTooLarge);
        }
        let mut body_bytes = 0u64;
        loop {
            match timeout_at(deadline, stream.recv_data()).await {
                Err(_) => return Err(H3Error::TimedOutReading),
                Ok(Err(e)) => return Err(stream_error(connection, e)),
                Ok(Ok(None)) => break,
                Ok(Ok(Some(mut chunk))) => {
                    body_bytes += chunk.remaining() as u64;
                    chunk.advance(chunk.remaining());
                }
            }
        }
        let status = u32::from(head.status().as_u16());
        Ok(H3Response { status, ttfb, total: sent.elapsed(), head_bytes: head_bytes as u64, body_bytes, sent_bytes })
    }
    .await;
    drive.abort();
    result
}

/// Sends the request's body, if any, and its end. A server that answers
/// without reading the whole request may stop the request side (RFC 9114
/// §4.1, usually with H3_NO_ERROR), and the client must still read the
/// response: such a stop is `Ok(Some(…))`, for the caller to report only
/// when no response follows.
async fn send_rest<S>(
    connection: &quinn::Connection,
    stream: &mut h3::client::RequestStream<S, Bytes>,
    body: Bytes,
) -> Result<Option<H3Error>, H3Error>
where
    S: h3::quic::BidiStream<Bytes>,
{
    let sent = async {
        if !body.is_empty() {
            stream.send_data(body).await?;
        }
        stream.finish().await
    };
    match sent.await {
        Ok(()) => Ok(None),
        Err(StreamError::RemoteTerminate { code, .. }) => Ok(Some(H3Error::StreamReset(code.value()))),
        Err(other) => Err(stream_error(connection, other)),
    }
}

/// The request as HTTP/3 carries it: the absolute URL (`:scheme`,
/// `:authority`, `:path`), the headers HTTP/3 allows, and the body apart.
fn build(outgoing: &Outgoing<'_>) -> Result<(http::Request<()>, Bytes), H3Error> {
    let url = outgoing.url;
    let Some((authority, path)) = authority_and_path(url) else {
        return Err(H3Error::Request("the URL has no host".into()));
    };
    let mut builder = http::Request::builder()
        .method(outgoing.method)
        .uri(format!("{}://{authority}{path}", url.scheme()))
        .version(http::Version::HTTP_3);
    let allowed =
        outgoing.headers.iter().filter(|(name, _)| !CONNECTION_SPECIFIC.iter().any(|c| name.eq_ignore_ascii_case(c)));
    for (name, value) in allowed {
        builder = builder.header(name.as_str(), value.as_str());
    }
    let request = builder.body(()).map_err(|e| H3Error::Request(e.to_string()))?;
    Ok((request, Bytes::from(outgoing.body.clone())))
}

/// Why setting up HTTP/3 failed: the QUIC connection's end when it ended.
fn connection_error(connection: &quinn::Connection, error: ConnectionError) -> H3Error {
    match error {
        ConnectionError::Local { error: LocalError::Application { code, reason, .. }, .. } => {
            H3Error::Broken { code: code.value(), reason }
        }
        ConnectionError::Timeout { .. } => H3Error::TimedOutWaiting,
        other => match connection.close_reason() {
            Some(reason) => H3Error::Connection(classify(reason)),
            None => H3Error::Other(other.to_string()),
        },
    }
}

/// Why a request stream failed, by h3's kinds; a closed connection's own reason first.
fn stream_error(connection: &quinn::Connection, error: StreamError) -> H3Error {
    match error {
        StreamError::ConnectionError { 0: inner, .. } => connection_error(connection, inner),
        StreamError::StreamError { code, reason, .. } => H3Error::Broken { code: code.value(), reason },
        StreamError::RemoteTerminate { code, .. } => H3Error::StreamReset(code.value()),
        StreamError::HeaderTooBig { .. } => H3Error::HeadTooLarge,
        StreamError::RemoteClosing { .. } => H3Error::GoingAway,
        other => match connection.close_reason() {
            Some(reason) => H3Error::Connection(classify(reason)),
            None => H3Error::Other(other.to_string()),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_request_carries_the_absolute_url_without_connection_headers() {
        let url = url::Url::parse("https://api.test:8443/a?b=1").unwrap();
        let headers = [("Connection".to_owned(), "close".to_owned()), ("referer".to_owned(), "r".to_owned())];
        let outgoing = Outgoing { url: &url, method: "POST", headers: &headers, body: b"{}".to_vec() };
        let (request, body) = build(&outgoing).unwrap();
        assert_eq!(request.uri().to_string(), "https://api.test:8443/a?b=1");
        assert!(request.headers().get("connection").is_none());
        assert_eq!(request.headers().get("referer").unwrap(), "r");
        assert_eq!(&body[..], b"{}");
    }
}
