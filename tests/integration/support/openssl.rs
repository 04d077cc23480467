//! TLS servers that rustls cannot be: TLS 1.0 or 1.1 only, an RSA-1024 server key, or
//! TLS 1.2 with only CBC suites.
//! Each one is `openssl s_server` running as a child process on 127.0.0.1, on a port
//! chosen by the OS. With `-www` it answers any request with openssl's status page
//! (`HTTP/1.0 200 ok`). It handles one connection at a time.
//!
//! Statics are never dropped, so each server is tied to the test process by a pipe: a
//! small `sh` holds the pipe's read end and stops the server when it reads end-of-file,
//! which happens the moment the test process exits, however it exits. Coreutils
//! `timeout` also ends every server after [`OPENSSL_SERVER_LIFETIME_SECS`], in case.
//! Like the other openssl-based fixtures, these panic when openssl is missing.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::net::{Ipv4Addr, SocketAddr};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::{LazyLock, Mutex, PoisonError, mpsc};
use std::time::Duration;

use super::pki::{CertKind, PemFiles, pki};

/// Which legacy server [`openssl_server`] runs. Each one presents an api.test leaf issued
/// by the test intermediate, with chain [leaf, intermediate]. Each one allows every cipher
/// and key size (`-cipher DEFAULT@SECLEVEL=0`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OpensslKind {
    /// TLS 1.0 only, with the `CertKind::Valid` chain.
    Tls10Only,
    /// TLS 1.1 only, with the `CertKind::Valid` chain.
    Tls11Only,
    /// TLS 1.2 and 1.3, with the RSA-1024 leaf of `Pki::rsa1024_leaf_pem`.
    Rsa1024,
    /// TLS 1.1 only, with the `CertKind::Expired` chain. A client that accepts TLS 1.1
    /// then still finds the expired certificate.
    Tls11ExpiredCert,
    /// TLS 1.2 only, with one CBC suite: ECDHE-RSA-AES128-SHA (a 2015-era config), and
    /// the `CertKind::Rsa2048` chain. Phones connect; rustls has no CBC suite.
    Tls12CbcOnly,
    /// TLS 1.0 to 1.2 with the same single CBC suite and chain: the phone gets TLS 1.2.
    Tls10To12CbcOnly,
    /// TLS 1.2 only with ECDHE-ECDSA-AES128-SHA, a suite phones do not offer, and the
    /// ECDSA `CertKind::Valid` chain: no suite in common with the phone.
    EcdsaCbcOnly,
    /// TLS 1.3, the `CertKind::Valid` chain, and a client certificate from the test
    /// root required (`-Verify 1`): certificate_required after the handshake.
    ClientCertRequired13,
    /// The same over TLS 1.2: handshake_failure after the empty Certificate.
    ClientCertRequired12,
    /// TLS 1.3, a client certificate asked for but not required (`-verify 1`).
    ClientCertOptional,
    /// TLS 1.2 and 1.3, a leaf whose EC key has explicit curve parameters.
    ExplicitCurve,
}

/// The longest an openssl server lives, in seconds (the `timeout` duration).
pub const OPENSSL_SERVER_LIFETIME_SECS: u64 = 300;
/// How long `s_server` gets to print the port it listens on.
const START_WAIT: Duration = Duration::from_secs(10);

/// The shared `openssl s_server` of this kind, started on first use.
pub fn openssl_server(kind: OpensslKind) -> SocketAddr {
    static SERVERS: LazyLock<Mutex<HashMap<OpensslKind, SocketAddr>>> = LazyLock::new(Mutex::default);
    // A panic while starting one kind (e.g. no openssl) must not break the other kinds.
    let mut servers = SERVERS.lock().unwrap_or_else(PoisonError::into_inner);
    *servers.entry(kind).or_insert_with(|| start(kind))
}

impl OpensslKind {
    fn files(self) -> PemFiles {
        match self {
            OpensslKind::Tls10Only | OpensslKind::Tls11Only => pki().pem_files(CertKind::Valid),
            OpensslKind::Rsa1024 => pki().rsa1024_pem_files(),
            OpensslKind::ExplicitCurve => pki().explicit_curve_pem_files(),
            OpensslKind::Tls11ExpiredCert => pki().pem_files(CertKind::Expired),
            OpensslKind::Tls12CbcOnly | OpensslKind::Tls10To12CbcOnly => pki().pem_files(CertKind::Rsa2048),
            OpensslKind::EcdsaCbcOnly
            | OpensslKind::ClientCertRequired13
            | OpensslKind::ClientCertRequired12
            | OpensslKind::ClientCertOptional => pki().pem_files(CertKind::Valid),
        }
    }

    /// The `-cipher` list: everything (at security level 0), or the one suite of the kind.
    fn ciphers(self) -> &'static str {
        match self {
            OpensslKind::Tls12CbcOnly | OpensslKind::Tls10To12CbcOnly => "ECDHE-RSA-AES128-SHA@SECLEVEL=0",
            OpensslKind::EcdsaCbcOnly => "ECDHE-ECDSA-AES128-SHA@SECLEVEL=0",
            _ => "DEFAULT@SECLEVEL=0",
        }
    }

    fn protocol_args(self) -> &'static [&'static str] {
        match self {
            OpensslKind::Tls10Only => &["-tls1"],
            OpensslKind::Tls11Only | OpensslKind::Tls11ExpiredCert => &["-tls1_1"],
            OpensslKind::Rsa1024 | OpensslKind::ExplicitCurve => &["-min_protocol", "TLSv1.2"],
            OpensslKind::Tls12CbcOnly | OpensslKind::EcdsaCbcOnly => &["-tls1_2"],
            OpensslKind::Tls10To12CbcOnly => &["-no_tls1_3"],
            OpensslKind::ClientCertRequired13 => &["-tls1_3", "-Verify", "1"],
            OpensslKind::ClientCertRequired12 => &["-tls1_2", "-Verify", "1"],
            OpensslKind::ClientCertOptional => &["-tls1_3", "-verify", "1"],
        }
    }

    /// The CAs a client certificate may come from, for the kinds that ask for one.
    fn client_cas(self) -> Option<&'static std::path::Path> {
        let asks = matches!(
            self,
            OpensslKind::ClientCertRequired13 | OpensslKind::ClientCertRequired12 | OpensslKind::ClientCertOptional
        );
        asks.then(|| pki().root_pem_path())
    }
}

fn start(kind: OpensslKind) -> SocketAddr {
    let files = kind.files();
    let log = files.cert.with_file_name(format!("s_server-{kind:?}.log"));
    let mut command = s_server_command(&files, kind.ciphers(), kind.protocol_args());
    if let Some(cas) = kind.client_cas() {
        command.arg("-CAfile").arg(cas);
    }
    spawn(command, &log)
}

/// A fresh `openssl s_server` (TLS 1.2 and 1.3) presenting `files`: `-cert`
/// and `-cert_chain`, as a server configured with them sends them. `name`
/// names its log beside the certificate. Tied to the test process like the shared ones.
pub fn openssl_server_with(files: &PemFiles, name: &str) -> SocketAddr {
    let log = files.cert.with_file_name(format!("s_server-{name}.log"));
    spawn(s_server_command(files, "DEFAULT", &["-min_protocol", "TLSv1.2"]), &log)
}

/// Starts `command` (from [`s_server_command`]) with stderr to `log`; its address once it listens.
fn spawn(mut command: Command, log: &std::path::Path) -> SocketAddr {
    command.stderr(File::create(log).expect("create the s_server log"));
    let mut child = match command.spawn() {
        Ok(child) => child,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => panic!("`sh` not found"),
        Err(e) => panic!("run {command:?}: {e}"),
    };
    let stdout = child.stdout.take().expect("s_server stdout is piped");
    match accept_port(stdout) {
        Some(port) => {
            // Holds the pipe open for as long as this process lives (`wait` would
            // close it first), and reaps the server if it ends sooner.
            let lifeline = child.stdin.take();
            std::thread::spawn(move || {
                let _lifeline = lifeline;
                child.wait()
            });
            SocketAddr::from((Ipv4Addr::LOCALHOST, port))
        }
        None => failed_to_start(child, log),
    }
}

/// `timeout … openssl s_server` on 127.0.0.1:0 serving `files`, with stdout piped,
/// under an `sh` that stops it when its stdin (a pipe from this process) closes and
/// then exits with the server's status (127: a command not found).
fn s_server_command(files: &PemFiles, ciphers: &str, protocol_args: &[&str]) -> Command {
    let mut command = Command::new("sh");
    command.args(["-c", r#""$@" & server=$!; cat >/dev/null; kill $server 2>/dev/null; wait $server"#, "sh"]);
    command.args(["timeout", "--kill-after=5", &OPENSSL_SERVER_LIFETIME_SECS.to_string()]);
    command.args(["openssl", "s_server", "-accept", "127.0.0.1:0", "-www"]);
    command.arg("-cert").arg(&files.cert).arg("-key").arg(&files.key);
    if let Some(chain) = &files.chain {
        command.arg("-cert_chain").arg(chain);
    }
    command.args(["-cipher", ciphers]).args(protocol_args);
    command.stdin(Stdio::piped()).stdout(Stdio::piped());
    command
}

/// The port from s_server's `ACCEPT 127.0.0.1:PORT` line, or None if it exits or takes
/// longer than START_WAIT. A thread keeps draining stdout so s_server never blocks on it.
fn accept_port(stdout: ChildStdout) -> Option<u16> {
    let (port_tx, port_rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if let Some(port) = line.strip_prefix("ACCEPT 127.0.0.1:").and_then(|p| p.trim().parse::<u16>().ok()) {
                let _ = port_tx.send(port);
            }
        }
    });
    port_rx.recv_timeout(START_WAIT).ok()
}

/// Stops the server (closing the pipe makes `sh` end it) and panics with why it did
/// not start.
fn failed_to_start(mut child: Child, log: &std::path::Path) -> ! {
    drop(child.stdin.take());
    let status = child.wait().expect("wait for the failed s_server");
    if status.code() == Some(127) {
        panic!("openssl CLI (or coreutils `timeout`) not found: .ci/run installs them");
    }
    let log = std::fs::read_to_string(log).unwrap_or_default();
    panic!("openssl s_server did not start ({status}): {log}");
}
