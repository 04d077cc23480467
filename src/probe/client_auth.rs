//! Whether the server asked for a client certificate. The phone has none to
//! give (Cronet continues without one), and neither does reqdoctor: its
//! resolver only records that the server asked, and for which CAs, in a
//! slot owned by the handshake running in this task.

use std::future::Future;
use std::sync::{Arc, Mutex};

use rustls::SignatureScheme;
use rustls::client::ResolvesClientCert;
use rustls::sign::CertifiedKey;

/// The server's CertificateRequest, as far as the diagnosis needs it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClientAuthRequest {
    /// The CAs the server accepts client certificates from (readable names), if it named any.
    pub authorities: Vec<String>,
}

tokio::task_local! {
    static ASKED: Arc<Mutex<Option<ClientAuthRequest>>>;
}

/// Runs `handshake`, returning its output and the server's request for a
/// client certificate, if it made one.
pub async fn recording<F: Future>(handshake: F) -> (F::Output, Option<ClientAuthRequest>) {
    let slot = Arc::new(Mutex::new(None));
    let output = ASKED.scope(slot.clone(), handshake).await;
    let asked = slot.lock().expect("not poisoned").take();
    (output, asked)
}

/// The client "certificate resolver": records the request, offers nothing.
#[derive(Debug)]
pub struct NoCertificate;

impl ResolvesClientCert for NoCertificate {
    fn resolve(&self, root_hint_subjects: &[&[u8]], _schemes: &[SignatureScheme]) -> Option<Arc<CertifiedKey>> {
        let authorities = root_hint_subjects.iter().map(|der| crate::cert::name_of(der)).collect();
        let _outside_a_handshake = ASKED.try_with(|slot| {
            *slot.lock().expect("not poisoned") = Some(ClientAuthRequest { authorities });
        });
        None
    }

    fn has_certs(&self) -> bool {
        false
    }
}
