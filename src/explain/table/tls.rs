//! Answers for step 3: the TLS handshake and the certificate.

use super::Entry;
use crate::checks::CheckId::*;

pub const CONNECTION_CLOSED: Entry = Entry {
    key: "net.connection_closed",
    step: 3,
    checks: &[TlsHandshake, TlsVersion],
    meaning: ("the server closed the connection without an answer", "服务器没有应答就关闭了连接"),
    causes: &[
        (
            TlsHandshake,
            "no certificate is configured for this host name (SNI), so the server hangs up",
            "服务器没有为这个域名（SNI）配置证书，于是直接断开",
        ),
        (TlsVersion, "the server only speaks TLS 1.0/1.1", "服务器只支持 TLS 1.0/1.1"),
        (TlsHandshake, "the port does not serve HTTPS", "该端口提供的不是 HTTPS 服务"),
    ],
    fix: (
        "configure a certificate for this host name (SNI) on the port, and enable TLS 1.2/1.3",
        "在该端口上为这个域名（SNI）配置证书，并启用 TLS 1.2/1.3",
    ),
    flags: "",
    errno: Some(600_001),
};

pub const SSL_PROTOCOL_ERROR: Entry = Entry {
    key: "net.ssl_protocol_error",
    step: 3,
    checks: &[TlsHandshake, TlsVersion],
    meaning: ("the TLS handshake failed", "TLS 握手失败"),
    causes: &[
        (TlsHandshake, "port 443 answers in plain HTTP or another protocol", "443 端口返回的是明文 HTTP 或其他协议"),
        (TlsVersion, "the server only offers TLS 1.0/1.1", "服务器只提供 TLS 1.0/1.1"),
        (
            TlsHandshake,
            "a broken TLS configuration or proxy in front of the server",
            "TLS 配置有误，或服务器前面的代理有问题",
        ),
    ],
    fix: (
        "serve TLS 1.2/1.3 on the URL's port (nginx: `listen 443 ssl;`) and check any proxy in front of the server",
        "在 URL 的端口上提供 TLS 1.2/1.3（nginx：`listen 443 ssl;`），并检查服务器前面的代理",
    ),
    flags: "",
    errno: Some(600_001),
};

pub const VERSION_OR_CIPHER: Entry = Entry {
    key: "net.ssl_version_or_cipher_mismatch",
    step: 3,
    checks: &[TlsVersion, TlsHandshake, CertKey],
    meaning: (
        "the phone and the server share no TLS version or cipher suite",
        "手机和服务器没有共同支持的 TLS 版本或加密套件",
    ),
    causes: &[
        (
            TlsVersion,
            "the server supports only TLS 1.0/1.1; phones require TLS 1.2 or newer",
            "服务器只支持 TLS 1.0/1.1，而手机要求 TLS 1.2 及以上",
        ),
        (
            TlsHandshake,
            "only legacy cipher suites are enabled (no ECDHE with AES-GCM or ChaCha20)",
            "只启用了老旧加密套件（没有 ECDHE + AES-GCM 或 ChaCha20）",
        ),
        (
            CertKey,
            "the certificate's key is one the phone cannot use (e.g. Ed25519, P-521)",
            "证书的密钥类型手机不支持（如 Ed25519、P-521）",
        ),
    ],
    fix: (
        "enable TLS 1.2 and 1.3 with ECDHE and AES-GCM or ChaCha20 suites, and use an RSA 2048+ or ECDSA P-256/P-384 certificate",
        "启用 TLS 1.2 和 1.3 以及 ECDHE + AES-GCM 或 ChaCha20 加密套件，并使用 RSA 2048 位以上或 ECDSA P-256/P-384 证书",
    ),
    flags: "",
    errno: Some(600_001),
};

pub const SNI_REFUSED: Entry = Entry {
    key: "net.ssl_unrecognized_name_alert",
    step: 3,
    checks: &[TlsHandshake, CertHostname],
    meaning: (
        "the server refused the host name the phone asked for (a TLS unrecognized_name alert)",
        "服务器拒绝了手机请求的域名（TLS unrecognized_name 告警）",
    ),
    causes: &[
        (
            TlsHandshake,
            "no site or certificate is configured for this host name, and the server refuses unknown names (e.g. nginx `ssl_reject_handshake on` in its default server)",
            "服务器没有为这个域名配置站点或证书，并且拒绝未知域名（如默认 server 中的 nginx `ssl_reject_handshake on`）",
        ),
        (
            TlsHandshake,
            "the domain points at a CDN or load balancer where it is not (or no longer) configured",
            "域名指向的 CDN 或负载均衡上没有（或已不再）配置这个域名",
        ),
        (
            CertHostname,
            "the site and its certificate were set up under another name than the URL's",
            "站点和证书配置在了与 URL 不同的域名下",
        ),
    ],
    fix: (
        "configure the host name on the server or CDN: a site (nginx: a server block) with this server_name and its certificate",
        "在服务器或 CDN 上配置该域名：为这个 server_name 配置站点（nginx：server 块）及其证书",
    ),
    flags: "",
    errno: Some(600_001),
};

pub const CLIENT_AUTH: Entry = Entry {
    key: "net.bad_ssl_client_auth_cert",
    step: 3,
    checks: &[TlsClientCert],
    meaning: (
        "the server demands a client certificate, which a mini program cannot present",
        "服务器要求客户端证书，而小程序无法提供",
    ),
    causes: &[(
        TlsClientCert,
        "mutual TLS on the API host (nginx ssl_verify_client on, a gateway requiring client certificates)",
        "接口域名开启了双向 TLS 认证（nginx ssl_verify_client on，或网关要求客户端证书）",
    )],
    fix: (
        "do not require client certificates on the API host (nginx: `ssl_verify_client optional` or off); authenticate with a token instead",
        "不要在接口域名上强制要求客户端证书（nginx：`ssl_verify_client optional` 或 off），改用 token 等方式鉴权",
    ),
    flags: "",
    errno: Some(600_001),
};

pub const KEY_USAGE: Entry = Entry {
    key: "net.ssl_key_usage_incompatible",
    step: 3,
    checks: &[CertKey],
    meaning: (
        "the certificate's keyUsage does not allow what the TLS handshake does with it",
        "证书的 keyUsage 不允许 TLS 握手所需的用途",
    ),
    causes: &[(
        CertKey,
        "keyUsage without digitalSignature, e.g. a CA certificate installed as the server certificate",
        "keyUsage 缺少 digitalSignature，例如把 CA 证书当作服务器证书部署",
    )],
    fix: (
        "reissue the server certificate with keyUsage digitalSignature (a CA certificate cannot serve as one)",
        "重新签发 keyUsage 含 digitalSignature 的服务器证书（CA 证书不能直接当服务器证书用）",
    ),
    flags: "",
    errno: Some(600_001),
};

pub const SSL_HANDSHAKE: Entry = Entry {
    key: "wx.ssl_handshake_error",
    step: 3,
    checks: &[TlsHandshake, TlsVersion, CertChain, CertTrusted, CertExpiry, CertHostname],
    meaning: ("the HTTPS handshake failed (the phone does not say why)", "HTTPS 握手失败（手机没有给出具体原因）"),
    causes: &[
        (CertChain, "the intermediate certificate is not sent", "没有发送中间证书"),
        (TlsVersion, "the server only speaks TLS 1.0/1.1", "服务器只支持 TLS 1.0/1.1"),
        (CertExpiry, "an expired certificate", "证书已过期"),
        (CertHostname, "a certificate for another host name", "证书与域名不匹配"),
    ],
    fix: (
        "run the command below: the failing check names the defect and its fix",
        "运行下面的命令：失败的检查项会指出具体问题和修复方法",
    ),
    flags: "",
    errno: None,
};

pub const CERT_NAME: Entry = Entry {
    key: "net.cert_common_name_invalid",
    step: 3,
    checks: &[CertHostname],
    meaning: ("the certificate is not for this host name", "证书与请求的域名不匹配"),
    causes: &[
        (
            CertHostname,
            "the host is missing from the certificate's subjectAltName (the CN is ignored)",
            "证书的 subjectAltName 里没有这个域名（CN 不起作用）",
        ),
        (
            CertHostname,
            "a wildcard one level too shallow (*.example.com does not cover a.b.example.com)",
            "通配符层级不够（*.example.com 不覆盖 a.b.example.com）",
        ),
        (
            TlsHandshake,
            "the server sends its default certificate because SNI does not match its config",
            "SNI 没匹配到配置，服务器返回了默认证书",
        ),
    ],
    fix: (
        "reissue the certificate with this host name in its subjectAltName, or make the server pick the right certificate for it (SNI)",
        "重新签发 subjectAltName 包含该域名的证书，或让服务器按 SNI 为该域名选用正确的证书",
    ),
    flags: "",
    errno: Some(600_001),
};

pub const CERT_DATE: Entry = Entry {
    key: "net.cert_date_invalid",
    step: 3,
    checks: &[CertExpiry, ClockSkew],
    meaning: ("a certificate is expired or not yet valid", "证书已过期或尚未生效"),
    causes: &[
        (
            CertExpiry,
            "the server's certificate expired and was not renewed (or the server was not reloaded)",
            "服务器证书已过期且未续期（或续期后没有重载服务）",
        ),
        (CertExpiry, "an intermediate certificate in the chain expired", "证书链中的中间证书已过期"),
        (
            CertExpiry,
            "the phone's clock is wrong (reqdoctor judges dates by this machine's clock; check the phone's date settings)",
            "手机时间不准（reqdoctor 按本机时钟判断日期；请检查手机的日期设置）",
        ),
    ],
    fix: (
        "renew the certificate (and the intermediate), install it and reload the server; if only some phones fail, check their date settings",
        "续期证书（及中间证书），部署后重载服务；只有部分手机报错时，检查这些手机的日期设置",
    ),
    flags: "",
    errno: Some(600_001),
};

pub const CERT_AUTHORITY: Entry = Entry {
    key: "net.cert_authority_invalid",
    step: 3,
    checks: &[CertChain, CertTrusted],
    meaning: ("the phone does not trust the certificate's issuer", "手机不信任证书的签发机构"),
    causes: &[
        (CertChain, "the server does not send its intermediate certificate", "服务器没有发送中间证书"),
        (CertTrusted, "a self-signed or private-CA certificate", "使用了自签名证书或私有 CA 签发的证书"),
        (
            CertTrusted,
            "a CA that phones do not trust, or a certificate not for TLS servers",
            "签发机构不受手机信任，或证书不是用于 TLS 服务器的",
        ),
    ],
    fix: (
        "install the full chain, leaf first then its intermediates (e.g. fullchain.pem), from a CA that phones trust",
        "部署完整证书链：服务器证书在前、中间证书在后（如 fullchain.pem），并使用手机信任的 CA 签发的证书",
    ),
    flags: "",
    errno: Some(600_001),
};

pub const CERT_WEAK_SIGNATURE: Entry = Entry {
    key: "net.cert_weak_signature_algorithm",
    step: 3,
    checks: &[CertSignature],
    meaning: ("a certificate is signed with a broken hash (SHA-1, MD5)", "证书使用了不安全的签名哈希（SHA-1、MD5）"),
    causes: &[(
        CertSignature,
        "an old certificate or intermediate signed with SHA-1",
        "老证书或中间证书使用 SHA-1 签名",
    )],
    fix: (
        "reissue the certificate, and install the CA's current SHA-256 intermediates",
        "重新签发证书，并部署该 CA 当前使用 SHA-256 签名的中间证书",
    ),
    flags: "",
    errno: Some(600_001),
};

pub const CERT_WEAK_KEY: Entry = Entry {
    key: "net.cert_weak_key",
    step: 3,
    checks: &[CertKey],
    meaning: ("the certificate's key is too weak", "证书密钥强度不足"),
    causes: &[(CertKey, "an RSA key under 2048 bits", "RSA 密钥短于 2048 位")],
    fix: (
        "reissue the certificate with an RSA 2048+ or ECDSA P-256/P-384 key",
        "改用 RSA 2048 位以上或 ECDSA P-256/P-384 密钥重新签发证书",
    ),
    flags: "",
    errno: Some(600_001),
};

pub const CERT_INVALID: Entry = Entry {
    key: "net.cert_invalid",
    step: 3,
    checks: &[CertTrusted, CertSignature],
    meaning: ("the phone's certificate verifier rejects the chain", "手机的证书校验器拒绝了该证书链"),
    causes: &[
        (
            CertSignature,
            "a certificate on the path is signed with SHA-1 or MD5",
            "证书路径上有证书使用 SHA-1 或 MD5 签名",
        ),
        (
            CertTrusted,
            "a rule of the path is broken: pathLenConstraint, name constraints, an intermediate that is not a CA, extendedKeyUsage without serverAuth, an unknown critical extension",
            "证书路径违反了规则：pathLenConstraint、名称约束、中间证书不是 CA、extendedKeyUsage 缺少 serverAuth、未知的关键扩展",
        ),
        (CertTrusted, "the phone cannot parse the server's certificate", "手机无法解析服务器证书"),
    ],
    fix: (
        "reissue the certificate from a public CA (SHA-256, standard extensions) and install that CA's current intermediates",
        "向公共 CA 重新签发证书（SHA-256 签名、标准扩展），并部署该 CA 当前的中间证书",
    ),
    flags: "",
    errno: Some(600_001),
};

pub const VALIDITY_TOO_LONG: Entry = Entry {
    key: "net.cert_validity_too_long",
    step: 3,
    checks: &[CertExpiry],
    meaning: ("the certificate is valid for longer than phones allow", "证书有效期超过了手机允许的上限"),
    causes: &[(
        CertExpiry,
        "a certificate from a public CA issued since 2020-09-01 valid for more than 398 days",
        "2020-09-01 之后由公共 CA 签发、有效期超过 398 天的证书",
    )],
    fix: ("reissue the certificate valid for at most 398 days", "重新签发有效期不超过 398 天的证书"),
    flags: "",
    errno: Some(600_001),
};
