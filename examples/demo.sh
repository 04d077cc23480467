#!/usr/bin/env bash
# Reproduces README's "An example" on loopback: a server that forgets to send
# its intermediate certificate.
#
# It makes a throw-away PKI with openssl in a temp dir (a root, the intermediate
# "Demo Intermediate CA G2", and a 90-day ECDSA leaf for api.example.com),
# serves the leaf alone with `openssl s_server` on 127.0.0.1:$DEMO_PORT, runs
# the README's command against it, then stops the server and deletes the temp
# dir, however the script ends. Its exit code is reqdoctor's (2: a failure).
#
# Usage: examples/demo.sh            (from a clone: builds with cargo build --release)
# Environment:
#   DEMO_PORT  the loopback port the server listens on (default 8443)
#   REQDOCTOR  the reqdoctor binary to run (default: cargo run --release -q --)
set -euo pipefail

port="${DEMO_PORT:-8443}"
cd "$(dirname "$0")/.."

if [ -n "${REQDOCTOR:-}" ]; then
    reqdoctor=("$REQDOCTOR")
else
    cargo build --release --locked # before the server starts, with its progress shown
    reqdoctor=(cargo run --release --locked -q --)
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/reqdoctor-demo.XXXXXX")"
server=""
cleanup() {
    if [ -n "$server" ]; then
        kill "$server" 2>/dev/null || true
        wait "$server" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Runs a command silently, printing its output only when it fails.
quiet() {
    local out
    if ! out="$("$@" 2>&1)"; then
        printf 'demo: %s failed:\n%s\n' "$*" "$out" >&2
        return 1
    fi
}

# A P-256 key and a CSR for subject $2, in $1.key and $1.csr.
key_and_csr() {
    quiet openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
        -keyout "$work/$1.key" -subj "$2" -out "$work/$1.csr"
}

# Signs $1.csr with issuer $2 for $3 days, with the extensions in $4.
sign() {
    printf '%b' "$4" >"$work/$1.ext"
    quiet openssl x509 -req -sha256 -in "$work/$1.csr" -CA "$work/$2.pem" -CAkey "$work/$2.key" \
        -set_serial "0x$(openssl rand -hex 8)" -days "$3" -extfile "$work/$1.ext" -out "$work/$1.pem"
}

key_and_csr root "/O=reqdoctor demo/CN=Demo Root CA"
printf '%b' "basicConstraints = critical, CA:TRUE\nkeyUsage = critical, keyCertSign, cRLSign\nsubjectKeyIdentifier = hash\n" \
    >"$work/root.ext"
quiet openssl x509 -req -sha256 -in "$work/root.csr" -key "$work/root.key" -days 3650 \
    -set_serial "0x$(openssl rand -hex 8)" -extfile "$work/root.ext" -out "$work/root.pem"

key_and_csr intermediate "/O=reqdoctor demo/CN=Demo Intermediate CA G2"
sign intermediate root 1095 "basicConstraints = critical, CA:TRUE, pathlen:0\n\
keyUsage = critical, keyCertSign, cRLSign\nsubjectKeyIdentifier = hash\nauthorityKeyIdentifier = keyid\n"

key_and_csr leaf "/CN=api.example.com"
sign leaf intermediate 90 "basicConstraints = critical, CA:FALSE\nkeyUsage = critical, digitalSignature\n\
extendedKeyUsage = serverAuth\nsubjectAltName = DNS:api.example.com\nauthorityKeyIdentifier = keyid\n\
authorityInfoAccess = caIssuers;URI:http://ca.example.com/g2.crt\n"

# The mistake under test: -cert is the leaf alone, no -cert_chain.
openssl s_server -accept "127.0.0.1:$port" -cert "$work/leaf.pem" -key "$work/leaf.key" \
    -www -alpn http/1.1 >"$work/server.log" 2>&1 </dev/null &
server=$!
for _ in $(seq 100); do
    grep -q '^ACCEPT' "$work/server.log" && break
    if ! kill -0 "$server" 2>/dev/null; then
        printf 'demo: openssl s_server did not start on 127.0.0.1:%s:\n' "$port" >&2
        cat "$work/server.log" >&2
        exit 1
    fi
    sleep 0.1
done
grep -q '^ACCEPT' "$work/server.log" || { echo "demo: openssl s_server did not start within 10 s" >&2; exit 1; }

# The leaf is valid for 90 days from the second it was signed: a second later it
# has 89 whole days left, as README shows.
sleep 1

printf 'demo: openssl s_server on 127.0.0.1:%s sends the leaf of api.example.com without its intermediate\n' \
    "$port" >&2
status=0
"${reqdoctor[@]}" check --ca-file "$work/root.pem" --connect-to "api.example.com:443:127.0.0.1:$port" \
    --allow-domain https://api.example.com https://api.example.com/getinfo || status=$?
exit "$status"
