# shellcheck shell=bash
# bench/lib.sh — pieces the benchmarks share (bench/run, bench/soak, bench/fleet),
# sourced, not run. It defines functions only; they use these globals of the
# script that sources it: T (its temp dir, with T/certs and T/ca made), C
# (= $T/certs) and a function `log MESSAGE...` (progress on stderr).

# --- tools: install what is missing ------------------------------------------

APT_UPDATED=""
as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo -n "$@"
    else
        return 1
    fi
}
apt_install() {
    [ -z "${BENCH_NO_INSTALL:-}" ] || return 1
    command -v apt-get >/dev/null 2>&1 || return 1
    if [ -z "$APT_UPDATED" ]; then
        log "apt-get update"
        as_root apt-get update -qq >&2 || return 1
        APT_UPDATED=1
    fi
    log "apt-get install $*"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >&2
}
# find_cmd NAME... prints the path of the first that exists (PATH, then sbin).
find_cmd() {
    local name
    for name in "$@"; do
        if command -v "$name" >/dev/null 2>&1; then
            command -v "$name"
            return 0
        fi
        if [ -x "/usr/sbin/$name" ]; then
            echo "/usr/sbin/$name"
            return 0
        fi
    done
    return 1
}
# ensure PACKAGE NAME...: the path of NAME, installing PACKAGE with apt if needed.
ensure() {
    local package=$1
    shift
    find_cmd "$@" && return 0
    apt_install "$package" || true
    find_cmd "$@"
}

# --- ports ------------------------------------------------------------------

# free_port tcp|udp: a port nothing listens on now (bound to 0, then closed).
free_port() {
    python3 -c '
import socket, sys
kind = socket.SOCK_DGRAM if sys.argv[1] == "udp" else socket.SOCK_STREAM
s = socket.socket(socket.AF_INET, kind)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()' "$1"
}

# --- the test CA and certificates --------------------------------------------

# ossl ARGS...: openssl, its chatter in a log shown only when it fails.
ossl() {
    openssl "$@" >"$T/openssl.log" 2>&1 || { cat "$T/openssl.log" >&2; return 1; }
}
genkey() { ossl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1"; }
stamp() { date -u -d "$1" +%Y%m%d%H%M%SZ; }
serial() { openssl rand -hex 16 | sed 's/^./1/'; } # 32 hex digits (even, as `openssl ca` wants), positive
# make_test_ca: a root CA (C/root.pem, the file to trust), an intermediate
# (C/int.pem) and the `openssl ca` set-up that leaf uses; one leaf key C/leaf.key.
make_test_ca() {
    genkey "$C/root.key"
    genkey "$C/int.key"
    genkey "$C/leaf.key"
    ossl req -x509 -new -key "$C/root.key" -sha256 -days 365 \
        -subj "/O=reqdoctor bench/CN=reqdoctor bench Root CA" \
        -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
        -out "$C/root.pem"
    ossl req -new -key "$C/int.key" -subj "/O=reqdoctor bench/CN=reqdoctor bench Intermediate CA" \
        -out "$C/int.csr"
    printf '%s\n' "basicConstraints=critical,CA:TRUE,pathlen:0" "keyUsage=critical,keyCertSign,cRLSign" \
        "subjectKeyIdentifier=hash" "authorityKeyIdentifier=keyid" >"$C/int.ext"
    ossl x509 -req -in "$C/int.csr" -CA "$C/root.pem" -CAkey "$C/root.key" -set_serial "0x$(serial)" \
        -days 365 -sha256 \
        -extfile "$C/int.ext" -out "$C/int.pem"
    : >"$T/ca/index.txt"
    serial >"$T/ca/serial"
    cat >"$T/ca/ca.cnf" <<EOF
[ca]
default_ca = bench
[bench]
database = $T/ca/index.txt
new_certs_dir = $T/ca
serial = $T/ca/serial
default_md = sha256
policy = any
unique_subject = no
email_in_dn = no
[any]
commonName = supplied
EOF
}
# leaf HOST NOT_BEFORE NOT_AFTER [NAME...]: HOST's certificate from the
# intermediate (its subjectAltName HOST and each NAME, e.g. '*.fleet.bench.test'),
# and HOST-chain.pem (leaf + intermediate) for nginx. `openssl ca` because it
# can back-date (the expired one); all leaves share one key.
leaf() {
    local host=$1 not_before=$2 not_after=$3 san name
    shift 3
    san="DNS:$host"
    for name in "$@"; do
        san="$san,DNS:$name"
    done
    ossl req -new -key "$C/leaf.key" -subj "/CN=$host" -out "$C/$host.csr"
    printf '%s\n' "basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature" \
        "extendedKeyUsage=serverAuth" "subjectAltName=$san" "subjectKeyIdentifier=hash" \
        "authorityKeyIdentifier=keyid" >"$C/$host.ext"
    ossl ca -batch -config "$T/ca/ca.cnf" -cert "$C/int.pem" -keyfile "$C/int.key" -in "$C/$host.csr" \
        -extfile "$C/$host.ext" -startdate "$not_before" -enddate "$not_after" -notext -out "$C/$host.pem"
    cat "$C/$host.pem" "$C/int.pem" >"$C/$host-chain.pem"
}

# distinct_chains N PORT: N virtual hosts d1.bench.test … dN.bench.test, each
# with a chain of its own — its leaf issued by an intermediate of its own,
# issued by the root — in C/distinct, and their nginx server blocks on
# 127.0.0.1:PORT in T/servers.d/distinct.conf (which nginx.conf.template
# includes). No two targets share a certificate, so nothing learnt from one
# chain serves another. The intermediates share one key and the leaves
# C/leaf.key: the signatures still differ, as their signed bytes do.
distinct_chains() {
    local n=$1 port=$2 i int
    mkdir -p "$C/distinct" "$T/servers.d"
    : >"$T/servers.d/distinct.conf"
    for i in $(seq 1 "$n"); do
        int=$C/distinct/int$i.pem
        ossl req -x509 -new -key "$C/int.key" -subj "/O=reqdoctor bench/CN=reqdoctor bench Intermediate $i" \
            -CA "$C/root.pem" -CAkey "$C/root.key" -days 30 -sha256 \
            -addext "basicConstraints=critical,CA:TRUE,pathlen:0" -addext "keyUsage=critical,keyCertSign,cRLSign" \
            -out "$int"
        ossl req -x509 -new -key "$C/leaf.key" -subj "/CN=d$i.bench.test" -CA "$int" -CAkey "$C/int.key" \
            -days 30 -sha256 -addext "basicConstraints=critical,CA:FALSE" \
            -addext "keyUsage=critical,digitalSignature" -addext "extendedKeyUsage=serverAuth" \
            -addext "subjectAltName=DNS:d$i.bench.test" -out "$C/distinct/d$i.pem"
        cat "$C/distinct/d$i.pem" "$int" >"$C/distinct/d$i-chain.pem"
        cat >>"$T/servers.d/distinct.conf" <<EOF
server {
    listen 127.0.0.1:$port ssl;
    server_name d$i.bench.test;
    ssl_certificate $C/distinct/d$i-chain.pem;
    ssl_certificate_key $C/leaf.key;
    location / {
        return 200 '{"ok":true}\n';
    }
}
EOF
    done
}

# --- the fixture of bench/soak, bench/fleet and bench/order --------------------

# scale_fixture: what bench/soak, bench/fleet and bench/order share, in $T: the test CA
# (CA=$C/root.pem), bench/run's nginx (bench/nginx.conf.template, all CPUs,
# session caches off: every probe is a full handshake) on 127.0.0.1:$PORT,
# whose default server good.bench.test has a certificate also valid for
# *.fleet.bench.test, and the reqdoctor to measure in RD (built with cargo
# build --release, or $BENCH_REQDOCTOR). Appends nginx to BG_PIDS; sets
# NGINX, NGINX_PID, PORT, CA, RD.
scale_fixture() {
    local user_line
    for required in curl openssl python3; do
        ensure "$required" "$required" >/dev/null || die "$required is required and could not be installed"
    done
    NGINX=$(ensure nginx nginx) || die "nginx is required: apt-get install -y --no-install-recommends nginx"
    if [ -n "${BENCH_REQDOCTOR:-}" ]; then
        RD=$(realpath "$BENCH_REQDOCTOR")
        [ -x "$RD" ] || die "BENCH_REQDOCTOR=$BENCH_REQDOCTOR is not an executable"
    else
        log "building reqdoctor (cargo build --release)"
        (cd "$ROOT" && cargo build --release >&2)
        RD=$ROOT/target/release/reqdoctor
        [ -x "$RD" ] || die "no $RD after cargo build --release"
    fi
    mkdir -p "$T/certs" "$T/ca" "$T/tmp"
    log "making the test CA and certificates (openssl, ECDSA P-256)"
    make_test_ca
    leaf good.bench.test "$(stamp '-1 day')" "$(stamp '+90 days')" '*.fleet.bench.test'
    leaf redirect.bench.test "$(stamp '-1 day')" "$(stamp '+90 days')"
    leaf expired.bench.test "$(stamp '-60 days')" "$(stamp '-30 days')"
    leaf h3.bench.test "$(stamp '-1 day')" "$(stamp '+90 days')" # the template serves it too
    CA=$C/root.pem
    PORT=$(free_port tcp)
    user_line="# (not root: nginx keeps the current user)"
    [ "$(id -u)" -ne 0 ] || user_line="user $(id -un) $(id -gn);"
    sed -e "s|@PREFIX@|$T|g" -e "s|@PORT@|$PORT|g" -e "s|@WORKERS@|$(nproc)|g" -e "s|@USER_LINE@|$user_line|" \
        "$BENCH_DIR/nginx.conf.template" >"$T/nginx.conf"
    log "starting nginx ($NGINX -p $T -c $T/nginx.conf) on 127.0.0.1:$PORT"
    "$NGINX" -p "$T" -c "$T/nginx.conf" -e "$T/nginx-error.log" &
    NGINX_PID=$!
    BG_PIDS+=("$NGINX_PID")
    for _ in $(seq 50); do
        curl -s -o /dev/null --connect-to "::127.0.0.1:$PORT" --cacert "$CA" https://good.bench.test/ && break
        kill -0 "$NGINX_PID" 2>/dev/null || { cat "$T/nginx-error.log" >&2 || true; die "nginx did not start"; }
        sleep 0.1
    done
    curl -sS -o /dev/null --connect-to "::127.0.0.1:$PORT" --cacert "$CA" https://t1.fleet.bench.test/ ||
        die "nginx does not answer for t1.fleet.bench.test on $PORT"
}

# start_exporter NAME CONFIG: `reqdoctor serve --config CONFIG` on a free
# loopback port, its stderr in $T/NAME.log; waits for /healthz. Appends it to
# BG_PIDS; sets STARTED_PID and STARTED_PORT.
start_exporter() {
    local name=$1 config=$2 port pid
    port=$(free_port tcp)
    "$RD" serve --listen "127.0.0.1:$port" --config "$config" 2>"$T/$name.log" &
    pid=$!
    BG_PIDS+=("$pid")
    for _ in $(seq 100); do
        curl -sf -o /dev/null "http://127.0.0.1:$port/healthz" && break
        kill -0 "$pid" 2>/dev/null || die "exporter $name did not start: $(cat "$T/$name.log")"
        sleep 0.1
    done
    curl -sf -o /dev/null "http://127.0.0.1:$port/healthz" || die "exporter $name does not answer on $port"
    STARTED_PID=$pid
    STARTED_PORT=$port
}

# nginx_workers: the PIDs of nginx's worker processes.
nginx_workers() { pgrep -P "$NGINX_PID" || true; }

# machine_facts DIR: the machine, written to DIR/machine.json.
machine_facts() {
    python3 - "$1/machine.json" "$RD" "$NGINX" <<'PY'
import json, os, platform, subprocess, sys
def run(*cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=20).stdout.strip() or "?"
    except Exception:
        return "?"
cpu = "?"
for line in open("/proc/cpuinfo"):
    if line.startswith("model name"):
        cpu = line.split(":", 1)[1].strip()
        break
mem = next(int(l.split()[1]) for l in open("/proc/meminfo") if l.startswith("MemTotal"))
json.dump({"uname": platform.uname()._asdict() | {}, "cpu": cpu, "nproc": os.cpu_count(),
           "mem_gib": round(mem / 1048576, 1), "reqdoctor": run(sys.argv[2], "--version"),
           "nginx": subprocess.run([sys.argv[3], "-v"], capture_output=True, text=True).stderr.strip(),
           "python": platform.python_version(), "prometheus": run("prometheus", "--version").splitlines()[0],
           "rustc": run("rustc", "--version")}, open(sys.argv[1], "w"), indent=1)
PY
}

# load_now: the 1, 5 and 15-minute load averages, as `uptime` shows them.
load_now() { cut -d' ' -f1-3 /proc/loadavg; }
