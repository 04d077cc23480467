//! ClientHellos built by hand, as data: the phone's (what Chromium 156 —
//! Cronet on BoringSSL — offers, taken from a ClientHello it sent here), the
//! TLS 1.1/1.0 hellos of the legacy-version probe, and the TLS 1.2 hellos that
//! list a server's cipher suites. No TLS library builds these: rustls offers
//! neither the phone's CBC suites nor old versions, and the probes never
//! finish a handshake, so nothing here is secret.

use std::time::{SystemTime, UNIX_EPOCH};

/// A protocol version as it appears on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct WireVersion(pub u16);

impl WireVersion {
    pub const TLS10: WireVersion = WireVersion(0x0301);
    pub const TLS11: WireVersion = WireVersion(0x0302);
    pub const TLS12: WireVersion = WireVersion(0x0303);
    pub const TLS13: WireVersion = WireVersion(0x0304);

    /// `TLS1.1`, spelt as the rest of the report spells versions.
    pub fn name(self) -> String {
        match self.0 {
            0x0300 => "SSL3.0".into(),
            0x0301 => "TLS1.0".into(),
            0x0302 => "TLS1.1".into(),
            0x0303 => "TLS1.2".into(),
            0x0304 => "TLS1.3".into(),
            other => format!("0x{other:04x}"),
        }
    }
}

/// What a client offers, the parts that change what a server answers.
#[derive(Debug)]
pub struct Profile {
    /// Who sends it.
    pub name: &'static str,
    /// Cipher suites in the client's order (GREASE left out).
    pub suites: &'static [u16],
    /// supported_groups, in order; the first two get key shares.
    pub groups: &'static [u16],
    pub signature_algorithms: &'static [u16],
    pub alpn: &'static [&'static str],
    /// supported_versions, highest first.
    pub versions: &'static [u16],
}

/// X25519MLKEM768, the hybrid post-quantum group phones offer first.
pub const X25519_MLKEM768: u16 = 0x11ec;
/// X25519.
pub const X25519: u16 = 0x001d;

/// A key exchange group's name, or its number.
pub fn group_name(id: u16) -> String {
    match id {
        0x0017 => "secp256r1".into(),
        0x0018 => "secp384r1".into(),
        0x0019 => "secp521r1".into(),
        X25519 => "X25519".into(),
        0x001e => "X448".into(),
        X25519_MLKEM768 => "X25519MLKEM768".into(),
        0x0100 => "ffdhe2048".into(),
        0x0101 => "ffdhe3072".into(),
        other => format!("0x{other:04x}"),
    }
}

/// The phone: Chromium 156's ClientHello (Cronet on Android; iOS WeChat
/// reports the same Cronet errors). tests/fixtures/tls holds the one it sent.
pub const PHONE: Profile = Profile {
    name: "Chromium 156 (Cronet)",
    suites: &[
        0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f,
        0x0035,
    ],
    groups: &[X25519_MLKEM768, X25519, 0x0017, 0x0018],
    signature_algorithms: &[0x0904, 0x0905, 0x0906, 0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601],
    alpn: &["h2", "http/1.1"],
    versions: &[0x0304, 0x0303],
};

/// A cipher suite by its names: IANA's, and OpenSSL's (what nginx and Apache configs take).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Suite {
    pub id: u16,
    pub iana: &'static str,
    pub openssl: &'static str,
}

macro_rules! suites {
    ($($id:literal $iana:ident $openssl:literal;)*) => {
        /// Every suite reqdoctor can name: the phone's, and the ones servers still
        /// offer that the phone does not (offered when listing a server's suites).
        pub const SUITES: &[Suite] = &[$(Suite { id: $id, iana: stringify!($iana), openssl: $openssl }),*];
    };
}

suites! {
    0x1301 TLS_AES_128_GCM_SHA256 "TLS_AES_128_GCM_SHA256";
    0x1302 TLS_AES_256_GCM_SHA384 "TLS_AES_256_GCM_SHA384";
    0x1303 TLS_CHACHA20_POLY1305_SHA256 "TLS_CHACHA20_POLY1305_SHA256";
    0xc02b TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 "ECDHE-ECDSA-AES128-GCM-SHA256";
    0xc02f TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 "ECDHE-RSA-AES128-GCM-SHA256";
    0xc02c TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 "ECDHE-ECDSA-AES256-GCM-SHA384";
    0xc030 TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 "ECDHE-RSA-AES256-GCM-SHA384";
    0xcca9 TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256 "ECDHE-ECDSA-CHACHA20-POLY1305";
    0xcca8 TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256 "ECDHE-RSA-CHACHA20-POLY1305";
    0xc013 TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA "ECDHE-RSA-AES128-SHA";
    0xc014 TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA "ECDHE-RSA-AES256-SHA";
    0x009c TLS_RSA_WITH_AES_128_GCM_SHA256 "AES128-GCM-SHA256";
    0x009d TLS_RSA_WITH_AES_256_GCM_SHA384 "AES256-GCM-SHA384";
    0x002f TLS_RSA_WITH_AES_128_CBC_SHA "AES128-SHA";
    0x0035 TLS_RSA_WITH_AES_256_CBC_SHA "AES256-SHA";
    0xc009 TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA "ECDHE-ECDSA-AES128-SHA";
    0xc00a TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA "ECDHE-ECDSA-AES256-SHA";
    0xc023 TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256 "ECDHE-ECDSA-AES128-SHA256";
    0xc024 TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384 "ECDHE-ECDSA-AES256-SHA384";
    0xc027 TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256 "ECDHE-RSA-AES128-SHA256";
    0xc028 TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384 "ECDHE-RSA-AES256-SHA384";
    0x003c TLS_RSA_WITH_AES_128_CBC_SHA256 "AES128-SHA256";
    0x003d TLS_RSA_WITH_AES_256_CBC_SHA256 "AES256-SHA256";
    0x009e TLS_DHE_RSA_WITH_AES_128_GCM_SHA256 "DHE-RSA-AES128-GCM-SHA256";
    0x009f TLS_DHE_RSA_WITH_AES_256_GCM_SHA384 "DHE-RSA-AES256-GCM-SHA384";
    0xccaa TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256 "DHE-RSA-CHACHA20-POLY1305";
    0x0033 TLS_DHE_RSA_WITH_AES_128_CBC_SHA "DHE-RSA-AES128-SHA";
    0x0039 TLS_DHE_RSA_WITH_AES_256_CBC_SHA "DHE-RSA-AES256-SHA";
    0x0067 TLS_DHE_RSA_WITH_AES_128_CBC_SHA256 "DHE-RSA-AES128-SHA256";
    0x006b TLS_DHE_RSA_WITH_AES_256_CBC_SHA256 "DHE-RSA-AES256-SHA256";
    0xc0ac TLS_ECDHE_ECDSA_WITH_AES_128_CCM "ECDHE-ECDSA-AES128-CCM";
    0xc0ad TLS_ECDHE_ECDSA_WITH_AES_256_CCM "ECDHE-ECDSA-AES256-CCM";
    0xc09c TLS_RSA_WITH_AES_128_CCM "AES128-CCM";
    0xc09d TLS_RSA_WITH_AES_256_CCM "AES256-CCM";
    0xc012 TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA "ECDHE-RSA-DES-CBC3-SHA";
    0x000a TLS_RSA_WITH_3DES_EDE_CBC_SHA "DES-CBC3-SHA";
    0x0016 TLS_DHE_RSA_WITH_3DES_EDE_CBC_SHA "EDH-RSA-DES-CBC3-SHA";
    0xc011 TLS_ECDHE_RSA_WITH_RC4_128_SHA "ECDHE-RSA-RC4-SHA";
    0x0005 TLS_RSA_WITH_RC4_128_SHA "RC4-SHA";
    0x0004 TLS_RSA_WITH_RC4_128_MD5 "RC4-MD5";
    0x0041 TLS_RSA_WITH_CAMELLIA_128_CBC_SHA "CAMELLIA128-SHA";
    0x0084 TLS_RSA_WITH_CAMELLIA_256_CBC_SHA "CAMELLIA256-SHA";
}

/// A suite by its id, if reqdoctor knows its names.
pub fn suite(id: u16) -> Option<&'static Suite> {
    SUITES.iter().find(|suite| suite.id == id)
}

/// The suite's IANA name, or its number.
pub fn suite_name(id: u16) -> String {
    suite(id).map_or_else(|| format!("0x{id:04x}"), |suite| suite.iana.to_owned())
}

/// A TLS 1.2 suite with CBC (and HMAC-SHA1) encryption: obsolete, but phones still offer some.
pub fn is_cbc(id: u16) -> bool {
    suite(id).is_some_and(|suite| suite.iana.contains("_CBC_"))
}

/// A suite whose key exchange is RSA itself (no forward secrecy).
pub fn is_rsa_key_exchange(id: u16) -> bool {
    suite(id).is_some_and(|suite| suite.iana.starts_with("TLS_RSA_"))
}

/// The phone's ClientHello to `host` (SNI unless it is an IP address), as one record.
pub fn phone(host: &str) -> Vec<u8> {
    let profile = &PHONE;
    let mut extensions = Vec::new();
    server_name(&mut extensions, host);
    extension(&mut extensions, 0x0017, &[]); // extended_master_secret
    extension(&mut extensions, 0xff01, &[0]); // renegotiation_info
    extension(&mut extensions, 0x000a, &list16(profile.groups));
    extension(&mut extensions, 0x000b, &[1, 0]); // ec_point_formats: uncompressed
    extension(&mut extensions, 0x0023, &[]); // session_ticket
    extension(&mut extensions, 0x0010, &alpn(profile.alpn));
    extension(&mut extensions, 0x0005, &[1, 0, 0, 0, 0]); // status_request: OCSP
    extension(&mut extensions, 0x000d, &list16(profile.signature_algorithms));
    extension(&mut extensions, 0x0012, &[]); // signed_certificate_timestamp
    extension(&mut extensions, 0x0033, &key_shares());
    extension(&mut extensions, 0x002d, &[1, 1]); // psk_key_exchange_modes: psk_dhe_ke
    let versions: Vec<u8> = profile.versions.iter().flat_map(|v| v.to_be_bytes()).collect();
    extension(&mut extensions, 0x002b, &[&[versions.len() as u8][..], &versions].concat());
    extension(&mut extensions, 0x001b, &[2, 0, 2]); // compress_certificate: brotli
    extension(&mut extensions, 0x44cd, &[0, 3, 2, b'h', b'2']); // application_settings: h2
    record(WireVersion::TLS12, profile.suites, &extensions, false)
}

/// A hello that offers only `version`, with the suites old servers know.
pub fn legacy(version: WireVersion, host: &str) -> Vec<u8> {
    const SUITES: [u16; 12] =
        [0xc00a, 0xc009, 0xc014, 0xc013, 0x0039, 0x0033, 0x0035, 0x002f, 0xc012, 0x000a, 0x0005, 0x0004];
    let mut extensions = Vec::new();
    server_name(&mut extensions, host);
    extension(&mut extensions, 0x000a, &list16(&[0x0017, 0x0018, 0x0019, X25519]));
    extension(&mut extensions, 0x000b, &[1, 0]);
    record(version, &SUITES, &extensions, true)
}

/// The 国密 (SM) suites of TLCP (GB/T 38636-2020): ECC_SM4_CBC_SM3, ECC_SM4_GCM_SM3,
/// ECDHE_SM4_CBC_SM3, ECDHE_SM4_GCM_SM3.
pub const TLCP_SUITES: [u16; 4] = [0xe013, 0xe053, 0xe011, 0xe051];

/// A TLCP suite's name (`ECC_SM4_CBC_SM3`…), or its number.
pub fn tlcp_suite_name(id: u16) -> String {
    match id {
        0xe013 => "ECC_SM4_CBC_SM3".to_owned(),
        0xe053 => "ECC_SM4_GCM_SM3".to_owned(),
        0xe011 => "ECDHE_SM4_CBC_SM3".to_owned(),
        0xe051 => "ECDHE_SM4_GCM_SM3".to_owned(),
        other => format!("0x{other:04x}"),
    }
}

/// TLCP's protocol version, 1.1 (the record layer says so too).
pub const TLCP: WireVersion = WireVersion(0x0101);

/// A TLCP ClientHello offering the SM suites: what a 国密 client sends.
pub fn tlcp() -> Vec<u8> {
    let mut record = record(TLCP, &TLCP_SUITES, &[], false);
    record[1..3].copy_from_slice(&TLCP.0.to_be_bytes());
    record
}

/// Signature algorithms of the listing hello: the phone's TLS 1.2 ones, and SHA-1 ones old servers need.
const LISTING_SIGNATURES: [u16; 10] = [0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601, 0x0201, 0x0203];

/// A TLS 1.2 hello offering exactly `suites`, to learn which one the server picks.
pub fn listing(suites: &[u16], host: &str) -> Vec<u8> {
    let mut extensions = Vec::new();
    server_name(&mut extensions, host);
    extension(&mut extensions, 0x000a, &list16(&[X25519, 0x0017, 0x0018, 0x0019, 0x0100, 0x0101]));
    extension(&mut extensions, 0x000b, &[1, 0]);
    extension(&mut extensions, 0x000d, &list16(&LISTING_SIGNATURES));
    extension(&mut extensions, 0xff01, &[0]);
    record(WireVersion::TLS12, suites, &extensions, false)
}

/// One handshake record holding a ClientHello of `version` (the record layer says TLS 1.0,
/// as clients do); `scsv` adds TLS_EMPTY_RENEGOTIATION_INFO_SCSV.
fn record(version: WireVersion, suites: &[u16], extensions: &[u8], scsv: bool) -> Vec<u8> {
    let mut body = Vec::with_capacity(512 + extensions.len());
    put_u16(&mut body, version.0);
    body.extend_from_slice(&random::<32>());
    body.push(32); // a session id, as Chromium sends (middlebox compatibility)
    body.extend_from_slice(&random::<32>());
    let offered: Vec<u16> = suites.iter().copied().chain(scsv.then_some(0x00ff)).collect();
    body.extend_from_slice(&list16(&offered));
    body.extend_from_slice(&[1, 0]); // compression: null only
    put_u16(&mut body, extensions.len() as u16);
    body.extend_from_slice(extensions);
    let mut handshake = vec![1]; // ClientHello
    put_u24(&mut handshake, body.len());
    handshake.extend_from_slice(&body);
    let mut record = vec![22, 0x03, 0x01];
    put_u16(&mut record, handshake.len() as u16);
    record.extend_from_slice(&handshake);
    record
}

fn server_name(out: &mut Vec<u8>, host: &str) {
    if host.is_empty() || host.parse::<std::net::IpAddr>().is_ok() {
        return;
    }
    let name = host.as_bytes();
    let mut sni = Vec::new();
    put_u16(&mut sni, (name.len() + 3) as u16);
    sni.push(0); // host_name
    put_u16(&mut sni, name.len() as u16);
    sni.extend_from_slice(name);
    extension(out, 0x0000, &sni);
}

/// Key shares for the first two groups, as the phone sends: X25519MLKEM768
/// (an ML-KEM-768 encapsulation key, then an X25519 key) and X25519. Random
/// keys, shaped as valid ones: every ML-KEM coefficient is below q, so a
/// server that checks the key (FIPS 203) accepts it.
fn key_shares() -> Vec<u8> {
    let mut mlkem = Vec::with_capacity(1216);
    let coefficients = random::<1536>();
    for pair in coefficients.chunks(4) {
        let a = u16::from_le_bytes([pair[0], pair[1]]) % 3329;
        let b = u16::from_le_bytes([pair[2], pair[3]]) % 3329;
        mlkem.extend_from_slice(&[(a & 0xff) as u8, ((a >> 8) | ((b & 0x0f) << 4)) as u8, (b >> 4) as u8]);
    }
    mlkem.extend_from_slice(&random::<32>()); // rho
    mlkem.extend_from_slice(&random::<32>()); // the X25519 half
    let mut shares = Vec::new();
    for (group, key) in [(X25519_MLKEM768, mlkem), (X25519, random::<32>().to_vec())] {
        put_u16(&mut shares, group);
        put_u16(&mut shares, key.len() as u16);
        shares.extend_from_slice(&key);
    }
    let mut out = Vec::with_capacity(shares.len() + 2);
    put_u16(&mut out, shares.len() as u16);
    out.extend_from_slice(&shares);
    out
}

fn alpn(protocols: &[&str]) -> Vec<u8> {
    let list: Vec<u8> = protocols.iter().flat_map(|p| [&[p.len() as u8][..], p.as_bytes()].concat()).collect();
    let mut out = Vec::new();
    put_u16(&mut out, list.len() as u16);
    out.extend_from_slice(&list);
    out
}

/// A list of u16 values with its u16 length in bytes.
fn list16(values: &[u16]) -> Vec<u8> {
    let mut out = Vec::with_capacity(2 + 2 * values.len());
    put_u16(&mut out, (values.len() * 2) as u16);
    values.iter().for_each(|value| put_u16(&mut out, *value));
    out
}

fn extension(out: &mut Vec<u8>, kind: u16, data: &[u8]) {
    put_u16(out, kind);
    put_u16(out, data.len() as u16);
    out.extend_from_slice(data);
}

pub(super) fn put_u16(out: &mut Vec<u8>, value: u16) {
    out.extend_from_slice(&value.to_be_bytes());
}

pub(super) fn put_u24(out: &mut Vec<u8>, value: usize) {
    out.extend_from_slice(&(value as u32).to_be_bytes()[1..]);
}

/// Random bytes for client randoms and throw-away keys: not secrets (the
/// probes never finish a handshake), only different each time.
fn random<const N: usize>() -> [u8; N] {
    let seed = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    let mut state = (seed as u64) ^ 0x9e37_79b9_7f4a_7c15 ^ (N as u64).rotate_left(32);
    let mut out = [0u8; N];
    for chunk in out.chunks_mut(8) {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        chunk.copy_from_slice(&state.to_be_bytes()[..chunk.len()]);
    }
    out
}

/// What a ClientHello offers, read back from its bytes (GREASE values left out).
#[cfg(any(test, feature = "fuzzing"))]
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Offer {
    pub suites: Vec<u16>,
    pub groups: Vec<u16>,
    pub signature_algorithms: Vec<u16>,
    pub alpn: Vec<String>,
    pub versions: Vec<u16>,
    pub extensions: Vec<u16>,
    pub key_shares: Vec<(u16, usize)>,
    pub server_name: Option<String>,
}

#[cfg(any(test, feature = "fuzzing"))]
impl Offer {
    /// Reads one ClientHello record; `None` when the bytes are not one.
    pub fn read(record: &[u8]) -> Option<Offer> {
        let grease = |v: u16| v & 0x0f0f == 0x0a0a && v >> 8 == v & 0xff;
        let u16s = |bytes: &[u8]| -> Vec<u16> {
            bytes.chunks_exact(2).map(|c| u16::from_be_bytes([c[0], c[1]])).filter(|v| !grease(*v)).collect()
        };
        let mut r = Reader(record.get(5..)?);
        (r.u8()? == 1).then_some(())?;
        r.take(3)?;
        r.take(2 + 32)?;
        let session = r.u8()?;
        r.take(usize::from(session))?;
        let suites_len = r.u16()?;
        let mut offer = Offer { suites: u16s(r.take(usize::from(suites_len))?), ..Offer::default() };
        let compression = r.u8()?;
        r.take(usize::from(compression))?;
        let extensions_len = r.u16()?;
        let mut extensions = Reader(r.take(usize::from(extensions_len))?);
        while let (Some(kind), Some(len)) = (extensions.u16(), extensions.u16()) {
            let data = extensions.take(usize::from(len))?;
            if !grease(kind) {
                offer.extensions.push(kind);
            }
            offer.read_extension(kind, data);
        }
        Some(offer)
    }

    fn read_extension(&mut self, kind: u16, data: &[u8]) {
        let grease = |v: u16| v & 0x0f0f == 0x0a0a && v >> 8 == v & 0xff;
        let u16s = |bytes: &[u8]| -> Vec<u16> {
            bytes.chunks_exact(2).map(|c| u16::from_be_bytes([c[0], c[1]])).filter(|v| !grease(*v)).collect()
        };
        match kind {
            0x0000 => self.server_name = data.get(5..).map(|n| String::from_utf8_lossy(n).into_owned()),
            0x000a => self.groups = u16s(data.get(2..).unwrap_or_default()),
            0x000d => self.signature_algorithms = u16s(data.get(2..).unwrap_or_default()),
            0x002b => self.versions = u16s(data.get(1..).unwrap_or_default()),
            0x0010 => {
                let mut list = Reader(data.get(2..).unwrap_or_default());
                while let Some(len) = list.u8() {
                    let Some(name) = list.take(usize::from(len)) else { break };
                    self.alpn.push(String::from_utf8_lossy(name).into_owned());
                }
            }
            0x0033 => {
                let mut shares = Reader(data.get(2..).unwrap_or_default());
                while let (Some(group), Some(len)) = (shares.u16(), shares.u16()) {
                    if shares.take(usize::from(len)).is_none() {
                        break;
                    }
                    if !grease(group) {
                        self.key_shares.push((group, usize::from(len)));
                    }
                }
            }
            _ => {}
        }
    }
}

/// A cursor over bytes.
#[cfg(any(test, feature = "fuzzing"))]
struct Reader<'a>(&'a [u8]);

#[cfg(any(test, feature = "fuzzing"))]
impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let (head, rest) = (self.0.get(..n)?, self.0.get(n..)?);
        self.0 = rest;
        Some(head)
    }

    fn u8(&mut self) -> Option<u8> {
        self.take(1).map(|b| b[0])
    }

    fn u16(&mut self) -> Option<u16> {
        self.take(2).map(|b| u16::from_be_bytes([b[0], b[1]]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The ClientHello Chromium 156 sent to a loopback listener here (see tests/fixtures/tls).
    const CHROMIUM: &[u8] = include_bytes!("../../tests/fixtures/tls/chromium-156-client-hello.bin");

    #[test]
    fn the_phone_profile_is_what_chromium_sent() {
        let chromium = Offer::read(CHROMIUM).expect("the capture is a ClientHello");
        assert_eq!(chromium.suites, PHONE.suites, "cipher suites, in order");
        assert_eq!(chromium.groups, PHONE.groups, "supported groups, in order");
        assert_eq!(chromium.signature_algorithms, PHONE.signature_algorithms);
        assert_eq!(chromium.alpn, PHONE.alpn);
        assert_eq!(chromium.versions, PHONE.versions);
        assert_eq!(chromium.key_shares, [(X25519_MLKEM768, 1216), (X25519, 32)]);
    }

    #[test]
    fn the_phone_hello_offers_what_chromium_offers() {
        let chromium = Offer::read(CHROMIUM).unwrap();
        let ours = Offer::read(&phone("api.test")).expect("a well-formed ClientHello");
        assert_eq!(ours.suites, chromium.suites);
        assert_eq!(ours.groups, chromium.groups);
        assert_eq!(ours.signature_algorithms, chromium.signature_algorithms);
        assert_eq!(ours.alpn, chromium.alpn);
        assert_eq!(ours.versions, chromium.versions);
        assert_eq!(ours.key_shares, chromium.key_shares);
        assert_eq!(ours.server_name.as_deref(), Some("api.test"));
        // Chromium shuffles its extensions; the set is what a server answers to. Left
        // out: GREASE ECH (0xfe0d) and trust anchor IDs (0xca34), which change nothing
        // a server chooses for a client that does not use them.
        let mut theirs: Vec<u16> = chromium.extensions.into_iter().filter(|e| ![0xfe0d, 0xca34].contains(e)).collect();
        let mut mine = ours.extensions.clone();
        theirs.sort_unstable();
        mine.sort_unstable();
        assert_eq!(mine, theirs);
    }

    #[test]
    fn ml_kem_coefficients_are_below_q() {
        let shares = key_shares();
        let key = &shares[2 + 4..2 + 4 + 1152];
        for triple in key.chunks(3) {
            let a = u16::from(triple[0]) | (u16::from(triple[1] & 0x0f) << 8);
            let b = u16::from(triple[1] >> 4) | (u16::from(triple[2]) << 4);
            assert!(a < 3329 && b < 3329, "{a} {b}");
        }
    }

    #[test]
    fn legacy_and_listing_hellos_are_well_formed() {
        let hello = legacy(WireVersion::TLS11, "api.test");
        assert_eq!(&hello[9..11], &[3, 2], "offers TLS 1.1");
        let offer = Offer::read(&hello).unwrap();
        assert_eq!(offer.server_name.as_deref(), Some("api.test"));
        assert!(offer.versions.is_empty(), "no supported_versions: the legacy field decides");
        let no_sni = Offer::read(&legacy(WireVersion::TLS10, "192.0.2.1")).unwrap();
        assert_eq!(no_sni.server_name, None, "no SNI for an IP");
        let listing = Offer::read(&listing(&[0x009e, 0xc009], "api.test")).unwrap();
        assert_eq!(listing.suites, [0x009e, 0xc009], "exactly the suites asked for");
    }

    #[test]
    fn suites_are_named() {
        assert_eq!(suite_name(0xc013), "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA");
        assert_eq!(suite(0xc013).map(|s| s.openssl), Some("ECDHE-RSA-AES128-SHA"));
        assert!(is_cbc(0xc013) && !is_cbc(0xc02f) && is_rsa_key_exchange(0x009c));
        assert_eq!(suite_name(0x1234), "0x1234");
        assert!(PHONE.suites.iter().all(|id| suite(*id).is_some()), "every phone suite has a name");
    }
}
