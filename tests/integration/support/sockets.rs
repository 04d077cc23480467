//! Misbehaving TCP peers on 127.0.0.1: a port that accepts and never speaks, a port
//! nobody listens on, a server that rejects TLS 1.2+ with a protocol_version alert,
//! one that refuses the host name with an unrecognized_name alert, one that hangs up cleanly right after the ClientHello, one that resets every
//! connection, and one that answers with non-TLS garbage. Each reproduces a network
//! failure the CLI must name precisely.

use std::collections::VecDeque;
use std::net::{SocketAddr, TcpListener as StdTcpListener};
use std::sync::LazyLock;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::timeout;

use super::{bind_loopback, runtime};

/// Most connections the tarpit keeps open at once (older ones are dropped).
const TARPIT_KEEP: usize = 64;
/// How long a peer waits for the client's first bytes before acting anyway.
const FIRST_BYTES_WAIT: Duration = Duration::from_secs(2);
/// How long a peer waits for the client to close after the peer said its piece.
const DRAIN_WAIT: Duration = Duration::from_secs(2);

/// A TLS record: fatal alert protocol_version (70), record version TLS 1.0.
pub const PROTOCOL_VERSION_ALERT: [u8; 7] = [0x15, 0x03, 0x01, 0x00, 0x02, 0x02, 0x46];

/// 64 bytes that are neither a TLS record nor an HTTP response.
pub const GARBAGE: &[u8; 64] = b"garbage: this port speaks neither TLS nor HTTP (reqdoctor test)\n";

/// A shared port that accepts connections and never writes (nor closes them for 60 s+).
pub fn tarpit() -> SocketAddr {
    static ADDR: LazyLock<SocketAddr> = LazyLock::new(|| spawn_server(tarpit_loop));
    *ADDR
}

/// A 127.0.0.1 port with nothing listening on it (connections are refused).
pub fn refused_port() -> SocketAddr {
    let listener = StdTcpListener::bind("127.0.0.1:0").expect("bind a port to free it");
    listener.local_addr().expect("freed port address")
}

/// A shared server that reads the ClientHello and answers with a fatal
/// protocol_version alert, as a TLS 1.0/1.1-only server does to a TLS 1.2+ hello.
pub fn tls_alert_server() -> SocketAddr {
    static ADDR: LazyLock<SocketAddr> = LazyLock::new(|| spawn_server(|l| per_connection(l, send_alert)));
    *ADDR
}

/// A shared server that reads the ClientHello and answers with a fatal
/// unrecognized_name alert, as a server that refuses an unknown SNI does
/// (nginx `ssl_reject_handshake on` in the default server).
pub fn unrecognized_name_server() -> SocketAddr {
    static ADDR: LazyLock<SocketAddr> = LazyLock::new(|| spawn_server(|l| per_connection(l, refuse_name)));
    *ADDR
}

/// A shared server that reads the client's first TLS record (the ClientHello, waiting up
/// to 2 s), then closes cleanly: FIN, with no alert and no reset, the way some servers
/// and middleboxes drop a hello they refuse.
pub fn close_after_hello() -> SocketAddr {
    static ADDR: LazyLock<SocketAddr> = LazyLock::new(|| spawn_server(|l| per_connection(l, hang_up)));
    *ADDR
}

/// A shared 国密 server: it answers a TLCP ClientHello (record version 1.1)
/// with a TLCP ServerHello choosing ECC_SM4_CBC_SM3, and any TLS hello with a
/// handshake_failure alert, as a TLCP-only server does.
pub fn tlcp_only_server() -> SocketAddr {
    static ADDR: LazyLock<SocketAddr> = LazyLock::new(|| spawn_server(|l| per_connection(l, tlcp_or_refuse)));
    *ADDR
}

/// A shared server that resets (RST) every connection after reading the first bytes.
pub fn reset_server() -> SocketAddr {
    static ADDR: LazyLock<SocketAddr> = LazyLock::new(|| spawn_server(|l| per_connection(l, reset)));
    *ADDR
}

/// A shared server that writes [`GARBAGE`] and closes.
pub fn garbage_server() -> SocketAddr {
    static ADDR: LazyLock<SocketAddr> = LazyLock::new(|| spawn_server(|l| per_connection(l, send_garbage)));
    *ADDR
}

fn spawn_server<F, Fut>(serve: F) -> SocketAddr
where
    F: FnOnce(TcpListener) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let (listener, addr) = bind_loopback();
    runtime().spawn(serve(listener));
    addr
}

async fn accept(listener: &TcpListener) -> TcpStream {
    loop {
        match listener.accept().await {
            Ok((stream, _)) => return stream,
            Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
}

async fn tarpit_loop(listener: TcpListener) {
    let mut held = VecDeque::with_capacity(TARPIT_KEEP);
    loop {
        let stream = accept(&listener).await;
        if held.len() == TARPIT_KEEP {
            held.pop_front();
        }
        held.push_back(stream);
    }
}

/// Runs `handle` on every accepted connection, each in its own task.
async fn per_connection<F, Fut>(listener: TcpListener, handle: F)
where
    F: Fn(TcpStream) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    loop {
        let stream = accept(&listener).await;
        tokio::spawn(handle(stream));
    }
}

async fn send_alert(mut stream: TcpStream) {
    read_tls_record(&mut stream).await;
    let _ = stream.write_all(&PROTOCOL_VERSION_ALERT).await;
    close_gracefully(stream).await;
}

async fn refuse_name(mut stream: TcpStream) {
    read_tls_record(&mut stream).await;
    let _ = stream.write_all(&UNRECOGNIZED_NAME_ALERT).await;
    close_gracefully(stream).await;
}

/// A TLS record: fatal alert unrecognized_name (112), record version TLS 1.2.
const UNRECOGNIZED_NAME_ALERT: [u8; 7] = [0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x70];

async fn tlcp_or_refuse(mut stream: TcpStream) {
    let Some(version) = read_tls_record(&mut stream).await else { return };
    let answer = match version {
        [1, 1] => tlcp_server_hello(),
        _ => HANDSHAKE_FAILURE_ALERT.to_vec(),
    };
    let _ = stream.write_all(&answer).await;
    close_gracefully(stream).await;
}

/// A TLS 1.2 record: fatal alert handshake_failure (40).
const HANDSHAKE_FAILURE_ALERT: [u8; 7] = [0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28];

/// A TLCP record holding a ServerHello: version 1.1, a random, no session id,
/// ECC_SM4_CBC_SM3, no compression.
fn tlcp_server_hello() -> Vec<u8> {
    let mut hello = vec![0x01, 0x01];
    hello.extend_from_slice(&[0x42; 32]);
    hello.extend_from_slice(&[0x00, 0xe0, 0x13, 0x00]);
    let mut message = vec![0x02, 0x00, 0x00, hello.len() as u8];
    message.extend_from_slice(&hello);
    let mut record = vec![0x16, 0x01, 0x01, 0x00, message.len() as u8];
    record.extend_from_slice(&message);
    record
}

async fn hang_up(mut stream: TcpStream) {
    read_tls_record(&mut stream).await;
    close_gracefully(stream).await;
}

async fn reset(mut stream: TcpStream) {
    let mut buf = [0u8; 4096];
    let _ = timeout(FIRST_BYTES_WAIT, stream.read(&mut buf)).await;
    let _ = stream.set_zero_linger();
    drop(stream);
}

async fn send_garbage(mut stream: TcpStream) {
    let mut buf = [0u8; 4096];
    let _ = timeout(FIRST_BYTES_WAIT, stream.read(&mut buf)).await;
    let _ = stream.write_all(GARBAGE).await;
    close_gracefully(stream).await;
}

/// Reads one whole TLS record (the ClientHello), so closing later sends FIN, not
/// RST; its record-layer version, if it came whole.
async fn read_tls_record(stream: &mut TcpStream) -> Option<[u8; 2]> {
    let mut header = [0u8; 5];
    let read = async {
        stream.read_exact(&mut header).await?;
        let len = usize::from(u16::from_be_bytes([header[3], header[4]]));
        let mut body = vec![0u8; len];
        stream.read_exact(&mut body).await.map(|_| ())
    };
    matches!(timeout(FIRST_BYTES_WAIT, read).await, Ok(Ok(()))).then_some([header[1], header[2]])
}

/// Half-closes, then waits (bounded) for the client to close, discarding what it sends.
async fn close_gracefully(mut stream: TcpStream) {
    let _ = stream.shutdown().await;
    let mut buf = [0u8; 4096];
    let drain = async { while matches!(stream.read(&mut buf).await, Ok(n) if n > 0) {} };
    let _ = timeout(DRAIN_WAIT, drain).await;
}
