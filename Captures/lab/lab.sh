#!/usr/bin/env bash
# vpndoctor real-daemon lab: run real VPN daemons (strongSwan charon with
# kernel-libipsec, xl2tpd, pptpd/pptp-linux, wireguard-go, openvpn, ocserv and
# openconnect) in three network namespaces
# (client -- router -- server), break the network or the configuration, and
# record pcap files at the client and at the server.
#
#   Captures/lab/lab.sh all                 every scenario into Captures/
#   Captures/lab/lab.sh SCENARIO [OUTDIR]    one scenario (OUTDIR default Captures/)
#   Captures/lab/lab.sh ci [OUTDIR]          the CI subset
#   Captures/lab/lab.sh list                 scenario names
#
# Captures: OUTDIR/lab-<scenario>-{client,server}.pcap (*-taps scenarios also
#           -router-inside.pcap and -router-outside.pcap: the router's two interfaces)
# Logs:     $LOGDIR (default OUTDIR/lab/logs)/<scenario>-{client,server}.log
# Keys:     OUTDIR/lab/tables/<scenario>/ (IPsec: Wireshark's decryption tables, a profile directory)
#
# Traffic stays inside namespaces created here (vdlab-cli, vdlab-rtr,
# vdlab-srv); addresses are 10.99.x.x and documentation ranges only.
set -euo pipefail

LAB_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CAPTURES_DIR="$(cd "$LAB_DIR/.." && pwd)"

NS_C=vdlab-cli
NS_R=vdlab-rtr
NS_S=vdlab-srv

# Addresses
C_PRIV=10.99.1.10     # client LAN address when behind NAT
R_PRIV=10.99.1.1
C_PUB=192.0.2.10      # client address without NAT
R_PUB_C=192.0.2.1
S_ADDR=203.0.113.20   # server
R_S=203.0.113.1       # router on the server side (= client's public address with NAT)
C_INNER=10.99.10.1    # tunnel inner addresses (traffic selectors)
S_INNER=10.99.20.1

CHARON=/usr/lib/ipsec/charon

CI_SCENARIOS="ikev2-psk-ok ikev2-wrong-psk natt-4500-blocked"
ALL_SCENARIOS="ikev2-psk-ok ikev2-nat-ok ikev1-main-psk-ok ikev1-main-nat-ok ikev1-aggressive-ok
ikev2-wrong-psk ikev1-main-wrong-psk ikev2-ike-proposal-mismatch ikev1-ike-proposal-mismatch
ikev2-child-proposal-mismatch ikev1-esp-proposal-mismatch ike-500-responses-dropped
ikev2-childless-ok ikev2-childless-child-refused ikev1-qm-initiator-abort
natt-4500-blocked esp-one-way responder-not-running ikev2-fragmentation-ok
ikev2-ip-fragments-dropped l2tp-ppp-fails pptp-ppp-fails pptp-1723-blocked
ikev2-invalid-ke-ok l2tp-1701-blocked pptp-server-not-running l2tp-ipsec-ppp-fails
nat-two-clients nat-rebinding-ok ikev2-ts-mismatch
wireguard-ok wireguard-unknown-key wireguard-allowedips-one-way wireguard-no-data
openvpn-udp-ok openvpn-tcp-ok openvpn-tls-auth-mismatch openvpn-unknown-ca
natt-4500-blocked-taps esp-one-way-taps
wireguard-port-blocked wireguard-response-dropped wireguard-data-one-way
openvpn-udp-server-down openvpn-tcp-server-down openvpn-udp-port-blocked openvpn-tls-crypt-mismatch
openvpn-data-one-way openvpn-reconnect-loop
anyconnect-ok anyconnect-dtls-blocked anyconnect-wrong-ca
ikev2-initiator-id-mismatch ikev2-responder-id-mismatch ikev1-initiator-id-mismatch ikev2-virtual-ip-refused
ikev2-virtual-ip-other-ok ikev2-aes-gcm-ok ikev2-aes-gcm8-ok ikev2-aes-ctr-ok ikev2-chacha20-ok ikev2-sha1-ok ikev1-3des-ok
ikev2-legacy-ok
ikev2-tcp-ok ikev2-tcp-split ikev2-tcp-refused ikev2-tcp-silent ikev2-tcp-blocked ikev2-tcp-443-ok"

PIDS=()
WORK=""
CERTS=""

log() { printf '[lab %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
nsx() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

# ---------------------------------------------------------------- packages
ensure_packages() {
  local need=()
  command -v tcpdump >/dev/null || need+=(tcpdump)
  command -v iptables >/dev/null || need+=(iptables)
  command -v ip >/dev/null || need+=(iproute2)
  [ -x "$CHARON" ] || need+=(strongswan-charon)
  command -v swanctl >/dev/null || need+=(strongswan-swanctl)
  command -v pki >/dev/null || need+=(strongswan-pki)
  [ -e /usr/lib/ipsec/plugins/libstrongswan-kernel-libipsec.so ] || need+=(libcharon-extra-plugins)
  [ -e /usr/lib/ipsec/plugins/libstrongswan-kdf.so ] || need+=(libstrongswan-standard-plugins)
  [ -e /usr/lib/ipsec/plugins/libstrongswan-gmp.so ] || need+=(libstrongswan-standard-plugins)
  if [ "${NEED_L2TP_PPTP:-0}" = 1 ]; then
    command -v xl2tpd >/dev/null || need+=(xl2tpd)
    command -v pptpd >/dev/null || need+=(pptpd)
    command -v pptp >/dev/null || need+=(pptp-linux)
    command -v pppd >/dev/null || need+=(ppp)
    command -v python3 >/dev/null || need+=(python3)
  fi
  if [ "${NEED_ANYCONNECT:-0}" = 1 ]; then
    command -v ocserv >/dev/null || need+=(ocserv)
    command -v openconnect >/dev/null || need+=(openconnect)
  fi
  command -v unshare >/dev/null || need+=(util-linux)
  command -v ping >/dev/null || need+=(iputils-ping)
  if [ ${#need[@]} -gt 0 ]; then
    log "installing: ${need[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${need[@]}" >/dev/null
  fi
}

# ---------------------------------------------------------------- cleanup
kill_pid() {
  local pid=$1 sig=${2:-TERM}
  kill -0 "$pid" 2>/dev/null || return 0
  kill -"$sig" "$pid" 2>/dev/null || true
}

stop_all() {
  local pid i
  for pid in "${PIDS[@]:-}"; do [ -n "$pid" ] && kill_pid "$pid" TERM; done
  # processes still inside our namespaces were all started by this script
  for ns in $NS_C $NS_R $NS_S; do
    if ip netns list 2>/dev/null | grep -qw "$ns"; then
      for pid in $(ip netns pids "$ns" 2>/dev/null); do kill_pid "$pid" TERM; done
    fi
  done
  for i in $(seq 1 20); do
    local alive=0
    for pid in "${PIDS[@]:-}"; do [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && alive=1; done
    [ $alive = 0 ] && break
    sleep 0.1
  done
  for pid in "${PIDS[@]:-}"; do [ -n "$pid" ] && kill_pid "$pid" KILL; done
  for ns in $NS_C $NS_R $NS_S; do
    if ip netns list 2>/dev/null | grep -qw "$ns"; then
      for pid in $(ip netns pids "$ns" 2>/dev/null); do kill_pid "$pid" KILL; done
    fi
  done
  for pid in "${PIDS[@]:-}"; do [ -n "$pid" ] && wait "$pid" 2>/dev/null || true; done
  PIDS=()
}

net_down() {
  for ns in $NS_C $NS_R $NS_S; do
    ip netns del "$ns" 2>/dev/null || true
  done
}

cleanup() {
  local rc=$?
  stop_all
  net_down
  if [ -n "$WORK" ] && [ -d "$WORK" ]; then
    # the private mounts live in private mount namespaces and are gone with
    # their processes; be defensive anyway
    rm -rf "$WORK"
  fi
  exit $rc
}

# ---------------------------------------------------------------- network
# net_up NAT(0|1)
net_up() {
  local nat=$1 c_addr r_addr
  stop_all   # leftovers of an interrupted run (only our namespaces)
  net_down
  for ns in $NS_C $NS_R $NS_S; do
    ip netns add "$ns"
    nsx "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
    nsx "$ns" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
    nsx "$ns" ip link set lo up
  done
  ip link add vdc0 netns $NS_C address 02:00:5e:00:01:0a type veth peer name vdc1 netns $NS_R address 02:00:5e:00:01:01
  ip link add vds0 netns $NS_S address 02:00:5e:00:02:14 type veth peer name vds1 netns $NS_R address 02:00:5e:00:02:01
  if [ "$nat" = 1 ]; then c_addr=$C_PRIV; r_addr=$R_PRIV; else c_addr=$C_PUB; r_addr=$R_PUB_C; fi
  CLIENT_ADDR=$c_addr
  nsx $NS_C ip addr add "$c_addr/24" dev vdc0
  nsx $NS_C ip link set vdc0 up
  nsx $NS_C ip route add default via "$r_addr"
  nsx $NS_C ip addr add "$C_INNER/32" dev lo
  nsx $NS_R ip addr add "$r_addr/24" dev vdc1
  nsx $NS_R ip addr add "$R_S/24" dev vds1
  nsx $NS_R ip link set vdc1 up
  nsx $NS_R ip link set vds1 up
  nsx $NS_R sysctl -qw net.ipv4.ip_forward=1
  nsx $NS_S ip addr add "$S_ADDR/24" dev vds0
  nsx $NS_S ip link set vds0 up
  nsx $NS_S ip route add default via "$R_S"
  nsx $NS_S ip addr add "$S_INNER/32" dev lo
  for ns in $NS_C $NS_S; do
    nsx "$ns" sysctl -qw net.ipv4.conf.all.rp_filter=0
    nsx "$ns" sysctl -qw net.ipv4.conf.default.rp_filter=0
  done
  if [ "$nat" = 1 ]; then
    nsx $NS_R iptables -t nat -A POSTROUTING -s 10.99.1.0/24 -o vds1 -j MASQUERADE
  fi
  # pre-resolve neighbours so captures start with the interesting packets
  nsx $NS_C ping -c1 -W1 "$r_addr" >/dev/null 2>&1 || true
  nsx $NS_S ping -c1 -W1 "$R_S" >/dev/null 2>&1 || true
}

# ---------------------------------------------------------------- capture
start_capture() { # ns iface file
  local ns=$1 ifc=$2 file=$3 err="$WORK/tcpdump-$2.err"
  rm -f "$file"
  ip netns exec "$ns" tcpdump -i "$ifc" -s 0 -n -U -Z root -w "$file" 2>"$err" &
  PIDS+=($!)
  local i
  for i in $(seq 1 50); do grep -q 'listening on' "$err" 2>/dev/null && return 0; sleep 0.1; done
  die "tcpdump on $ifc did not start: $(cat "$err")"
}
CAP_PIDS=()
start_captures() { # scenario outdir
  CAP_C="$2/lab-$1-client.pcap"; CAP_S="$2/lab-$1-server.pcap"
  start_capture $NS_C vdc0 "$CAP_C"; CAP_PIDS=("${PIDS[-1]}")
  start_capture $NS_S vds0 "$CAP_S"; CAP_PIDS+=("${PIDS[-1]}")
  # *-taps scenarios: the router's two interfaces too (vantage points between client and server).
  if [ "${TAPS:-0}" = 1 ]; then
    start_capture $NS_R vdc1 "$2/lab-$1-router-inside.pcap"; CAP_PIDS+=("${PIDS[-1]}")
    start_capture $NS_R vds1 "$2/lab-$1-router-outside.pcap"; CAP_PIDS+=("${PIDS[-1]}")
  fi
  # LAB_WATCH=/path/to/vpndoctor: also watch the client's interface live (Tests/EndToEndTests/
  # WatchTests.swift); its events and report go to lab-<scenario>-watch.out, its packets to
  # lab-<scenario>-watch.pcap, and SIGINT with the tcpdumps ends it.
  if [ -n "${LAB_WATCH:-}" ]; then
    ip netns exec $NS_C "$LAB_WATCH" watch -i vdc0 --json --write "$2/lab-$1-watch.pcap" \
      >"$2/lab-$1-watch.out" 2>"$2/lab-$1-watch.err" &
    PIDS+=($!); CAP_PIDS+=($!)
    sleep 1
  fi
}
stop_captures() {
  # under load (7 builds on 2 cores) tcpdump may not have read the last packets after 0.3 s
  sleep 1
  local pid
  for pid in "${CAP_PIDS[@]}"; do kill -INT "$pid" 2>/dev/null || true; done
  for pid in "${CAP_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  CAP_PIDS=()
}

# ---------------------------------------------------------------- strongSwan
# Defaults, overridden per scenario
reset_ipsec_params() {
  VER=2; NAT=0; AGGR=no; FRAG=yes; AUTH=psk
  MOBIKE=yes
  C_IKE=aes256-sha256-modp2048; S_IKE=aes256-sha256-modp2048
  C_ESP=aes256-sha256;          S_ESP=aes256-sha256
  C_PSK=lab-psk-correct-horse;  S_PSK=lab-psk-correct-horse
  SERVER_RUNNING=1; PINGS=4; RTR_RULES=(); TS_SUFFIX=""; POST_UP_HOOK=""; C_CHILDLESS=allow; MODE=tunnel
  S_REMOTE_TS=""; PROBE_PING=0
  # identities (issue 16: identity mismatch) and virtual IPs (client vips, server pool)
  C_ID=client.lab.example; S_ID=server.lab.example; C_REMOTE_ID=server.lab.example; S_REMOTE_ID=client.lab.example
  C_VIPS=""; S_POOL=""
}

write_strongswan_conf() { # dir role
  local d=$1 role=$2 extra=""
  [ "$role" = server ] && extra="i_dont_care_about_security_and_use_aggressive_mode_psk = yes"
  cat >"$d/strongswan.conf" <<EOF
charon {
  load_modular = no
  load = random nonce aes gcm sha1 sha2 md5 hmac kdf gmp openssl curve25519 pem pkcs1 pkcs8 x509 pubkey revocation constraints kernel-libipsec kernel-netlink socket-default vici
  retransmit_tries = 3
  retransmit_timeout = 1.0
  retransmit_base = 1.4
  retransmit_jitter = 0
  install_routes = yes
  install_virtual_ip = no
  $extra
  plugins {
    vici { socket = unix://$d/charon.vici }
  }
  filelog {
    lab {
      path = $d/charon.log
      time_format = %H:%M:%S
      time_add_ms = yes
      ike_name = yes
      append = no
      flush_line = yes
      default = 1
      # Key material for decryption (issue 16): ike 4 dumps SK_ei/SK_er/SK_ai/SK_ar, chd 4 the
      # CHILD_SA keys; vpndoctor --keys reads this log like a Wireshark decryption table.
      ike = 4
      chd = 4
    }
  }
  syslog { daemon { default = -1 } }
}
EOF
}

write_swanctl_conf() { # dir role
  local d=$1 role=$2 me peer laddr raddr ike esp psk local_ts remote_ts childless auth_local auth_remote certline="" vip="" pools=""
  mkdir -p "$d/swanctl"/{x509,x509ca,x509ocsp,x509aa,x509ac,x509crl,pubkey,private,rsa,ecdsa,bliss,pkcs8,pkcs12}
  if [ "$role" = client ]; then
    me=$C_ID; peer=$C_REMOTE_ID; laddr=$CLIENT_ADDR; raddr=$S_ADDR
    ike=$C_IKE; esp=$C_ESP; psk=$C_PSK; local_ts=$C_INNER/32; remote_ts=$S_INNER/32; childless=$C_CHILDLESS
    [ -n "$C_VIPS" ] && vip="vips = $C_VIPS"
  else
    me=$S_ID; peer=$S_REMOTE_ID; laddr=$S_ADDR; raddr=%any
    ike=$S_IKE; esp=$S_ESP; psk=$S_PSK; local_ts=$S_INNER/32; remote_ts=${S_REMOTE_TS:-$C_INNER}/32; childless=allow
    [ -n "$S_POOL" ] && pools="pools = labpool"
  fi
  [ "$MODE" = transport ] && { local_ts=dynamic; remote_ts=dynamic; }
  if [ "$AUTH" = pubkey ]; then
    cp "$CERTS/ca.pem" "$d/swanctl/x509ca/"
    cp "$CERTS/$role-int.pem" "$CERTS/$role.pem" "$d/swanctl/x509/"
    cp "$CERTS/$role.key" "$d/swanctl/private/"
    certline="certs = $role.pem"
  fi
  cat >"$d/swanctl/swanctl.conf" <<EOF
connections {
  lab {
    version = $VER
    aggressive = $AGGR
    local_addrs = $laddr
    remote_addrs = $raddr
    proposals = $ike
    fragmentation = $FRAG
    childless = $childless
    dpd_delay = 0
    mobike = $MOBIKE
    rekey_time = 0
    $vip
    $pools
    local {
      auth = $AUTH
      id = $me
      $certline
    }
    remote {
      auth = $AUTH
      id = $peer
    }
    children {
      net {
        local_ts = $local_ts$TS_SUFFIX
        remote_ts = $remote_ts$TS_SUFFIX
        mode = $MODE
        esp_proposals = $esp
        rekey_time = 0
        start_action = none
      }
    }
  }
}
secrets {
  ike-lab {
    id-1 = client.lab.example
    id-2 = server.lab.example
    id-3 = roadwarrior.lab.example
    id-4 = gw.lab.example
    secret = "$psk"
  }
}
EOF
  [ -n "$pools" ] && printf 'pools {\n  labpool {\n    addrs = %s\n  }\n}\n' "$S_POOL" >>"$d/swanctl/swanctl.conf"
  return 0
}

start_charon() { # ns role
  local ns=$1 role=$2 d="$WORK/$2"
  mkdir -p "$d/run"
  write_strongswan_conf "$d" "$role"
  write_swanctl_conf "$d" "$role"
  # charon has a hard-coded /var/run/charon.pid: give each instance a private /run
  ip netns exec "$ns" unshare -m --propagation private sh -c \
    "mount --bind '$d/run' /run && exec env STRONGSWAN_CONF='$d/strongswan.conf' $CHARON" \
    >"$d/charon.stdout" 2>&1 &
  PIDS+=($!)
  local i
  for i in $(seq 1 50); do [ -S "$d/charon.vici" ] && break; sleep 0.1; done
  [ -S "$d/charon.vici" ] || die "charon ($role) did not start: $(cat "$d/charon.stdout" "$d/charon.log" 2>/dev/null | tail -5)"
  SWANCTL_DIR="$d/swanctl" swanctl --load-all --noprompt --uri "unix://$d/charon.vici" --file "$d/swanctl/swanctl.conf" >"$d/load.out" 2>&1 \
    || die "swanctl --load-all ($role) failed: $(cat "$d/load.out")"
}

sw() { local role=$1 op=$2; shift 2; SWANCTL_DIR="$WORK/$role/swanctl" swanctl "$op" --uri "unix://$WORK/$role/charon.vici" "$@"; }

gen_certs() {
  [ -n "$CERTS" ] && [ -f "$CERTS/server.pem" ] && return 0
  CERTS="$WORK/certs"; mkdir -p "$CERTS"
  log "generating RSA-4096 chains: root CA -> client/server intermediate CA -> end entity"
  local k
  for k in ca client-int server-int client server; do
    pki --gen --type rsa --size 4096 --outform pem >"$CERTS/$k.key" 2>>"$CERTS/pki.err" &
  done
  wait
  pki --self --in "$CERTS/ca.key" --ca --lifetime 3650 --dn "C=XX, O=vpndoctor lab, CN=vpndoctor lab Root CA" --outform pem >"$CERTS/ca.pem" 2>>"$CERTS/pki.err"
  for k in client server; do
    # one intermediate per side: the peer only trusts the root, so each side
    # must send its intermediate ("sending issuer cert") -> bigger IKE_AUTH
    pki --pub --in "$CERTS/$k-int.key" 2>>"$CERTS/pki.err" | pki --issue --cacert "$CERTS/ca.pem" --cakey "$CERTS/ca.key" --ca --lifetime 3650 \
      --dn "C=XX, O=vpndoctor lab, OU=$k side, CN=vpndoctor lab $k Intermediate CA" --outform pem >"$CERTS/$k-int.pem" 2>>"$CERTS/pki.err"
    pki --pub --in "$CERTS/$k.key" 2>>"$CERTS/pki.err" | pki --issue --cacert "$CERTS/$k-int.pem" --cakey "$CERTS/$k-int.key" --lifetime 365 \
      --dn "C=XX, O=vpndoctor lab, OU=VPN gateways and road warriors, CN=$k.lab.example" --san "$k.lab.example" \
      --flag serverAuth --flag clientAuth --outform pem >"$CERTS/$k.pem" 2>>"$CERTS/pki.err"
  done
}

collect_logs() { # scenario
  mkdir -p "$LOGDIR"
  local role
  for role in client server; do
    local f="$WORK/$role/charon.log"
    if [ -f "$f" ]; then cp "$f" "$LOGDIR/$1-$role.log"
    else echo "(no charon running on the $role in this scenario)" >"$LOGDIR/$1-$role.log"; fi
  done
}

# The scenario's RTR_RULES in the router's namespace (drops on the path between client and server).
router_rules() {
  local r
  for r in "${RTR_RULES[@]:-}"; do [ -n "$r" ] && nsx $NS_R sh -c "$r"; done
  return 0
}

# PROBE_PING=1: the client pings the server's address once outside the tunnel, as an engineer checks
# that the host is up, before and after the attempt; in a port-blocked scenario these are the only
# packets the server's capture holds, and they show it ran all the time (the join counts a packet as
# lost only while the other capture ran).
probe_ping() {
  [ "${PROBE_PING:-0}" = 1 ] || return 0
  nsx $NS_C ping -c1 -W1 "$S_ADDR" >/dev/null 2>&1 || true
  sleep 1   # tcpdump gets packets in blocks up to 1 s late: let the last probe reach the file
}

# Wireshark's decryption tables from the charon logs (issue 16): OUTDIR/lab/tables/<scenario>/ is a
# profile directory (README, Decryption). The server's log goes first: Wireshark decrypts IKEv1 with
# the last row for a cookie, and the initiator's key is the one it should use.
key_tables() { # scenario
  local repo tool f logs=()
  repo=$(cd "$LAB_DIR/../.." && pwd); tool="$repo/.build/debug/lab-key-tables"
  for f in "$LOGDIR/$1-server.log" "$LOGDIR/$1-client.log"; do if grep -q '\] <' "$f"; then logs+=("$f"); fi; done
  rm -rf "$OUTDIR/lab/tables/$1"
  [ ${#logs[@]} -gt 0 ] || return 0
  [ -x "$tool" ] || (cd "$repo" && swift build --product lab-key-tables >&2) || { log "$1: lab-key-tables not built: no tables"; return 0; }
  "$tool" "$OUTDIR/lab/tables/$1" "${logs[@]}" || log "$1: WARNING: lab-key-tables could not use every key"
  [ -d "$OUTDIR/lab/tables/$1" ] && log "$1: Wireshark tables -> $OUTDIR/lab/tables/$1/" || true
}

run_ipsec() { # scenario outdir
  local sc=$1 out=$2 rc=0
  [ "$AUTH" = pubkey ] && gen_certs
  net_up "$NAT"
  router_rules
  rm -rf "$WORK/client" "$WORK/server"
  start_captures "$sc" "$out"
  [ "$SERVER_RUNNING" = 1 ] && start_charon $NS_S server
  start_charon $NS_C client
  log "$sc: initiating"
  if timeout 20 env SWANCTL_DIR="$WORK/client/swanctl" swanctl --initiate --uri "unix://$WORK/client/charon.vici" \
       --child net --timeout 15 >"$WORK/initiate.out" 2>&1; then
    log "$sc: CHILD_SA established"
    OUTCOME=up
    if [ -n "$POST_UP_HOOK" ]; then
      "$POST_UP_HOOK" "$sc"
    elif [ "$PINGS" -gt 0 ]; then
      nsx $NS_C ping -n -c "$PINGS" -i 0.3 -W 1 -I "$C_INNER" "$S_INNER" >"$WORK/ping.out" 2>&1 || true
      log "$sc: $(grep -E 'packets transmitted' "$WORK/ping.out" || echo 'ping failed')"
      grep -q ' 0% packet loss' "$WORK/ping.out" || OUTCOME=up-noping
    fi
  else
    rc=1; OUTCOME=fail
    log "$sc: initiate failed: $(grep -E 'failed|giving up|AUTHENTICATION|NO_PROPOSAL' "$WORK/initiate.out" | tail -1)"
  fi
  sleep 0.5
  stop_captures
  stop_all
  collect_logs "$sc"
  key_tables "$sc"
  cp "$WORK/initiate.out" "$LOGDIR/$sc-initiate.out"
  [ -f "$WORK/ping.out" ] && cp "$WORK/ping.out" "$LOGDIR/$sc-ping.out" && rm -f "$WORK/ping.out"
  if [ -n "$POST_UP_HOOK" ] && [ "$OUTCOME" = up ]; then
    collect_ppp_logs "$sc" -l2tp
    l2tp_outcome "$LOGDIR/$sc-client-l2tp.log" "$LOGDIR/$sc-server-l2tp.log"
    OUTCOME="ipsec-up+$OUTCOME"
  fi
  RESULT=$rc
}

# ---------------------------------------------------------------- scenarios
scenario() { # name outdir
  local sc=$1 out=$2
  reset_ipsec_params
  # <scenario>-taps: the same scenario, also captured on the router's inside and outside interfaces.
  TAPS=0
  local base=$sc
  case "$sc" in *-taps) TAPS=1; base=${sc%-taps} ;; esac
  # WireGuard from the server: its handshake response (IP length 20+8+92), and transport data that
  # carries a packet (message type 4, longer than a 32-byte keepalive)
  local WG_RESPONSE="iptables -A FORWARD -p udp -s $S_ADDR --sport 51820 -m length --length 120 -j DROP"
  local WG_DATA_S2C="iptables -A FORWARD -p udp -s $S_ADDR --sport 51820 -m length --length 61:65535 -m u32 --u32 '0>>22&0x3C@8>>24=4' -j DROP"
  # OpenVPN P_DATA_V2 (opcode 9, any key id) from the server: the return path of the data channel
  local OVPN_DATA_S2C="iptables -A FORWARD -p udp -s $S_ADDR --sport 1194 -m u32 --u32 '0>>22&0x3C@8>>24&0xF8=0x48' -j DROP"
  # ESP-in-UDP (non-ESP marker != 0, longer than a NAT keepalive) server->client
  local ESP_S2C="iptables -A FORWARD -p udp -s $S_ADDR --sport 4500 -m length --length 30:65535 -m u32 ! --u32 '0>>22&0x3C@8=0' -j DROP"
  EXPECT=fail
  case "$base" in
    *-ok) EXPECT=up ;;
    esp-one-way) EXPECT=up-noping ;;
    l2tp-ppp-fails) EXPECT=session-up-then-cdn ;;
    l2tp-ipsec-ppp-fails) EXPECT=ipsec-up+session-up-then-cdn ;;
    pptp-ppp-fails) EXPECT=call-up-then-closed ;;
    openvpn-*-ok) EXPECT=up ;;
    openvpn-data-one-way) EXPECT=up-noping ;;
    openvpn-reconnect-loop) EXPECT=up-restarting ;;
    openvpn-*) EXPECT=no-tunnel ;;
    anyconnect-dtls-blocked) EXPECT=up ;;
    anyconnect-wrong-ca) EXPECT=no-tunnel ;;
    l2tp-*|pptp-*) EXPECT=no-control-connection ;;
    wireguard-unknown-key|wireguard-port-blocked|wireguard-response-dropped) EXPECT=no-handshake ;;
    wireguard-allowedips-one-way|wireguard-no-data|wireguard-data-one-way) EXPECT=handshake-noping ;;
    ikev2-tcp-ok|ikev2-tcp-split|ikev2-tcp-443-ok) EXPECT=up ;;
    ikev2-tcp-refused) EXPECT=refused ;;
    ikev2-tcp-silent) EXPECT=no-auth-response ;;
    ikev2-tcp-blocked) EXPECT=no-connection ;;
  esac
  case "$base" in
    ikev2-psk-ok) ;;
    ikev2-nat-ok) NAT=1 ;;
    ikev1-main-psk-ok) VER=1 ;;
    ikev1-main-nat-ok) VER=1; NAT=1 ;;
    ikev1-aggressive-ok) VER=1; AGGR=yes ;;
    ikev2-wrong-psk) S_PSK=lab-psk-WRONG-on-server ;;
    ikev1-main-wrong-psk) VER=1; S_PSK=lab-psk-WRONG-on-server ;;
    ikev2-ike-proposal-mismatch) C_IKE=aes128-sha1-modp2048; S_IKE=aes256gcm16-prfsha384-ecp384 ;;
    ikev1-ike-proposal-mismatch) VER=1; C_IKE=aes128-sha1-modp2048; S_IKE=aes256-sha384-ecp384 ;;
    ikev2-child-proposal-mismatch) C_ESP=aes128-sha1; S_ESP=aes256gcm16 ;;
    # The server allows another client subnet: the child SA's selectors are refused (TS_UNACCEPTABLE).
    ikev2-ts-mismatch) S_REMOTE_TS=10.99.11.1 ;;
    ikev1-esp-proposal-mismatch) VER=1; C_ESP=aes128-sha1; S_ESP=aes256-sha512 ;;
    # RFC 6023: IKE_AUTH without a child SA, the child made by a CREATE_CHILD_SA exchange
    ikev2-childless-ok) C_CHILDLESS=force ;;
    # Quick Mode aborted by the initiator: kernel-libipsec cannot install a transport-mode SA, so
    # the initiator (which installs on QM2, before sending QM3) answers QM2 with an Informational
    # NO_PROPOSAL_CHOSEN instead of QM3 (strongSwan quick_mode.c process_i)
    ikev1-qm-initiator-abort) VER=1; MODE=transport ;;
    ikev2-childless-child-refused) C_CHILDLESS=force; C_ESP=aes128-sha1; S_ESP=aes256gcm16 ;;
    ike-500-responses-dropped) RTR_RULES=("iptables -A FORWARD -p udp -s $S_ADDR --sport 500 -j DROP") ;;
    natt-4500-blocked) NAT=1; RTR_RULES=("iptables -A FORWARD -p udp --dport 4500 -j DROP" "iptables -A FORWARD -p udp --sport 4500 -j DROP") ;;
    esp-one-way) RTR_RULES=("$ESP_S2C") ;;
    responder-not-running) SERVER_RUNNING=0 ;;
    ikev2-fragmentation-ok) AUTH=pubkey; FRAG=yes ;;
    ikev2-ip-fragments-dropped) AUTH=pubkey; FRAG=no; RTR_RULES=("iptables -A FORWARD -f -j DROP") ;;
    ikev2-invalid-ke-ok) C_IKE=aes256-sha256-modp2048-x25519; S_IKE=aes256-sha256-x25519 ;;
    # Issue 16, findings only decryption can make. The client calls itself roadwarrior.lab.example,
    # which the server has no connection for (AUTHENTICATION_FAILED); the server calls itself
    # gw.lab.example where the client expects server.lab.example.
    ikev2-initiator-id-mismatch) C_ID=roadwarrior.lab.example ;;
    ikev2-responder-id-mismatch) S_ID=gw.lab.example; C_REMOTE_ID="*.vpn.lab.example" ;;
    ikev1-initiator-id-mismatch) VER=1; C_ID=roadwarrior.lab.example ;;
    # The client asks for virtual IP 10.99.70.5: the server has no pool (INTERNAL_ADDRESS_FAILURE),
    # or a pool without it (the client gets another address than it asked for).
    ikev2-virtual-ip-refused) C_VIPS=10.99.70.5 ;;
    ikev2-virtual-ip-other-ok) C_VIPS=10.99.70.5; S_POOL=10.99.80.0/30 ;;
    # Algorithms on real bytes (kernel-libipsec installs the ESP side, when it can).
    ikev2-aes-gcm-ok) C_IKE=aes256gcm16-prfsha384-ecp256; S_IKE=$C_IKE; C_ESP=aes128gcm16; S_ESP=$C_ESP ;;
    ikev2-aes-gcm8-ok) C_IKE=aes128gcm8-prfsha256-modp2048; S_IKE=$C_IKE; C_ESP=aes256gcm12; S_ESP=$C_ESP ;;
    ikev2-aes-ctr-ok) C_IKE=aes192ctr-sha384-modp2048; S_IKE=$C_IKE; C_ESP=aes128ctr-sha512; S_ESP=$C_ESP ;;
    ikev2-chacha20-ok) C_IKE=chacha20poly1305-prfsha256-x25519; S_IKE=$C_IKE; C_ESP=chacha20poly1305; S_ESP=$C_ESP ;;
    ikev2-sha1-ok) C_IKE=aes128-sha1-modp2048; S_IKE=$C_IKE; C_ESP=aes192-sha1; S_ESP=$C_ESP ;;
    ikev2-legacy-ok) C_IKE=3des-md5-modp2048; S_IKE=$C_IKE; C_ESP=aes128gcm8; S_ESP=$C_ESP ;;
    ikev1-3des-ok) VER=1; C_IKE=3des-sha1-modp2048; S_IKE=$C_IKE; C_ESP=3des-sha384; S_ESP=$C_ESP ;;
    l2tp-ipsec-ppp-fails) VER=1; TS_SUFFIX="[udp/1701]"; POST_UP_HOOK=l2tp_over_ipsec_hook; NEED_L2TP_PPTP=1 ensure_packages ;;
    nat-two-clients) NAT=1; POST_UP_HOOK=two_clients_hook; EXPECT=up+second-failed ;;
    nat-rebinding-ok) NAT=1; MOBIKE=no; POST_UP_HOOK=nat_rebinding_hook; EXPECT=up+rebound; RTR_RULES=(
      "sysctl -qw net.netfilter.nf_conntrack_udp_timeout=2" "sysctl -qw net.netfilter.nf_conntrack_udp_timeout_stream=2") ;;
    l2tp-ppp-fails) run_l2tp "$sc" "$out" 0; return ;;
    l2tp-1701-blocked) run_l2tp "$sc" "$out" 1; return ;;
    pptp-ppp-fails) run_pptp "$sc" "$out" 0; return ;;
    pptp-1723-blocked) run_pptp "$sc" "$out" 1; return ;;
    pptp-server-not-running) run_pptp "$sc" "$out" 2; return ;;
    wireguard-ok) run_wireguard "$sc" "$out" ok; return ;;
    wireguard-unknown-key) run_wireguard "$sc" "$out" unknown-key; return ;;
    wireguard-allowedips-one-way) run_wireguard "$sc" "$out" allowedips; return ;;
    wireguard-no-data) run_wireguard "$sc" "$out" no-data; return ;;
    openvpn-udp-ok) run_openvpn "$sc" "$out" udp ok; return ;;
    anyconnect-ok) run_anyconnect "$sc" "$out" ok; return ;;
    anyconnect-dtls-blocked) run_anyconnect "$sc" "$out" dtls-blocked; return ;;
    anyconnect-wrong-ca) run_anyconnect "$sc" "$out" wrong-ca; return ;;
    openvpn-tcp-ok) run_openvpn "$sc" "$out" tcp ok; return ;;
    openvpn-tls-auth-mismatch) run_openvpn "$sc" "$out" udp tls-auth-mismatch; return ;;
    openvpn-unknown-ca) run_openvpn "$sc" "$out" udp unknown-ca; return ;;
    wireguard-port-blocked) PROBE_PING=1; RTR_RULES=("iptables -A FORWARD -p udp --dport 51820 -j DROP"); run_wireguard "$sc" "$out" blocked; return ;;
    wireguard-response-dropped) RTR_RULES=("$WG_RESPONSE"); run_wireguard "$sc" "$out" blocked; return ;;
    wireguard-data-one-way) RTR_RULES=("$WG_DATA_S2C"); run_wireguard "$sc" "$out" one-way; return ;;
    openvpn-udp-server-down) SERVER_RUNNING=0; run_openvpn "$sc" "$out" udp ok; return ;;
    openvpn-tcp-server-down) SERVER_RUNNING=0; run_openvpn "$sc" "$out" tcp ok; return ;;
    openvpn-udp-port-blocked) PROBE_PING=1; RTR_RULES=("iptables -A FORWARD -p udp --dport 1194 -j DROP"); run_openvpn "$sc" "$out" udp ok; return ;;
    openvpn-tls-crypt-mismatch) run_openvpn "$sc" "$out" udp tls-crypt-mismatch; return ;;
    openvpn-data-one-way) RTR_RULES=("$OVPN_DATA_S2C"); run_openvpn "$sc" "$out" udp ok; return ;;
    openvpn-reconnect-loop) RTR_RULES=("$OVPN_DATA_S2C"); run_openvpn "$sc" "$out" udp ping-restart; return ;;
    ikev2-tcp-ok|ikev2-tcp-split|ikev2-tcp-silent|ikev2-tcp-refused|ikev2-tcp-blocked) run_ikev2tcp "$sc" "$out" "${base#ikev2-tcp-}" 4500; return ;;
    ikev2-tcp-443-ok) run_ikev2tcp "$sc" "$out" ok 443; return ;;
    *) die "unknown scenario '$sc' (try: $0 list)" ;;
  esac
  run_ipsec "$sc" "$out"
}

# ---------------------------------------------------------------- NAT: two clients, rebinding
NS_C2=vdlab-cl2
C2_PRIV=10.99.3.10    # the second client behind the same NAT router
R_PRIV2=10.99.3.1
R_S2=203.0.113.2      # the router's second public address (nat-rebinding-ok maps the client anew to it)

# nat-two-clients: while the first client's tunnel is up, a second client behind the same NAT (own
# namespace, same identity, wrong PSK) tries and fails; then the first client pings through its
# tunnel. The server sees both as 203.0.113.1, told apart by their NAT-mapped ports and IKE SPIs.
two_clients_hook() { # scenario
  ip netns del $NS_C2 2>/dev/null || true
  ip netns add $NS_C2
  nsx $NS_C2 sysctl -qw net.ipv6.conf.all.disable_ipv6=1
  nsx $NS_C2 ip link set lo up
  ip link add vde0 netns $NS_C2 address 02:00:5e:00:03:0a type veth peer name vde1 netns $NS_R address 02:00:5e:00:03:01
  nsx $NS_C2 ip addr add "$C2_PRIV/24" dev vde0
  nsx $NS_C2 ip link set vde0 up
  nsx $NS_C2 ip route add default via "$R_PRIV2"
  nsx $NS_C2 ip addr add "$C_INNER/32" dev lo
  nsx $NS_R ip addr add "$R_PRIV2/24" dev vde1
  nsx $NS_R ip link set vde1 up
  nsx $NS_R iptables -t nat -A POSTROUTING -s 10.99.3.0/24 -o vds1 -j MASQUERADE
  mkdir -p "$WORK/second"
  WORK="$WORK/second" CLIENT_ADDR=$C2_PRIV C_PSK=lab-psk-WRONG-on-client2 start_charon $NS_C2 client
  if timeout 20 env SWANCTL_DIR="$WORK/second/client/swanctl" swanctl --initiate --uri "unix://$WORK/second/client/charon.vici" \
       --child net --timeout 15 >"$WORK/initiate2.out" 2>&1; then
    log "$1: the second client connected (unexpected)"; OUTCOME=up+second-up
  else
    log "$1: the second client failed, as configured"; OUTCOME=up+second-failed
  fi
  nsx $NS_C ping -n -c "$PINGS" -i 0.3 -W 1 -I "$C_INNER" "$S_INNER" >"$WORK/ping.out" 2>&1 || true
  log "$1: $(grep -E 'packets transmitted' "$WORK/ping.out" || echo 'ping failed')"
  grep -q ' 0% packet loss' "$WORK/ping.out" || OUTCOME=$OUTCOME-noping
  mkdir -p "$LOGDIR"
  cp "$WORK/second/client/charon.log" "$LOGDIR/$1-client2.log"
  cp "$WORK/initiate2.out" "$LOGDIR/$1-initiate2.out"
  for pid in $(ip netns pids $NS_C2 2>/dev/null); do kill_pid "$pid" TERM; done
  sleep 0.3
  ip netns del $NS_C2
}

# nat-rebinding-ok: the tunnel is up and pings; then the NAT forgets the client's mapping (UDP
# timeouts of 2 s, set before the start) and maps it anew from its second public address. The
# client (MOBIKE off: it would wait for its own address to change) rekeys its child SA from the new
# mapping; the server moves the IKE SA and its child SAs there (RFC 7296 §2.23), and pings follow.
# One IKE SA, two client addresses at the server.
nat_rebinding_hook() { # scenario
  nsx $NS_C ping -n -c 2 -i 0.3 -W 1 -I "$C_INNER" "$S_INNER" >"$WORK/ping1.out" 2>&1 || true
  nsx $NS_R ip addr add "$R_S2/24" dev vds1
  nsx $NS_R iptables -t nat -R POSTROUTING 1 -s 10.99.1.0/24 -o vds1 -j SNAT --to-source "$R_S2"
  sleep 3
  sw client --rekey --child net >"$WORK/rekey.out" 2>&1 || log "$1: rekey failed: $(tail -1 "$WORK/rekey.out")"
  sleep 1
  nsx $NS_C ping -n -c "$PINGS" -i 0.3 -W 1 -I "$C_INNER" "$S_INNER" >"$WORK/ping.out" 2>&1 || true
  log "$1: after rebinding: $(grep -E 'packets transmitted' "$WORK/ping.out" || echo 'ping failed')"
  if grep -q ' 0% packet loss' "$WORK/ping.out"; then OUTCOME=up+rebound; else OUTCOME=up+rebound-noping; fi
}

# ---------------------------------------------------------------- syslog + private /dev for PPP daemons
# pptpd, pptp and pppd log only to syslog.  Each of them runs with a private
# /dev whose "log" points to a socket read by a tiny Python collector.
start_syslog() { # role -> $WORK/<role>/syslog.sock, log to $WORK/<role>/daemon.log
  local d="$WORK/$1"; mkdir -p "$d"
  python3 - "$d/syslog.sock" "$d/daemon.log" >/dev/null 2>&1 <<'EOF' &
import socket, sys, os, time, re
path, out = sys.argv[1], sys.argv[2]
try: os.unlink(path)
except FileNotFoundError: pass
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.bind(path); os.chmod(path, 0o666)
with open(out, "a", buffering=1) as f:
    while True:
        m = s.recv(65536).decode(errors="replace").rstrip("\n\0")
        m = re.sub(r"^<\d+>([A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d )?", "", m)
        t = time.time()
        f.write(time.strftime("%H:%M:%S", time.localtime(t)) + ".%03d " % (int(t * 1000) % 1000) + m + "\n")
EOF
  PIDS+=($!)
  local i; for i in $(seq 1 30); do [ -S "$d/syslog.sock" ] && return 0; sleep 0.1; done
  die "syslog collector for $1 did not start"
}

# private_dev_cmd role -> shell prefix that builds a private /dev (null, zero,
# urandom, random, tty, ptmx, pts, net/tun, log -> our socket; no /dev/ppp,
# exactly like the host) in a private mount namespace
private_dev_script() {
  local d="$WORK/$1"
  cat <<EOF
set -e
mount -t tmpfs -o mode=755 labdev '$d/dev'
for f in null zero random urandom tty; do touch '$d/dev/'\$f; mount --bind /dev/\$f '$d/dev/'\$f; done
mkdir '$d/dev/pts' '$d/dev/net'
mount -t devpts -o newinstance,ptmxmode=0666,mode=620 labpts '$d/dev/pts'
ln -s pts/ptmx '$d/dev/ptmx'
touch '$d/dev/net/tun'; mount --bind /dev/net/tun '$d/dev/net/tun'
ln -s '$d/syslog.sock' '$d/dev/log'
mount --move '$d/dev' /dev
mount --bind '$d/run' /run
mkdir -p /run/xl2tpd /run/pptpd
EOF
}

start_ppp_daemon() { # ns role cmd...
  local ns=$1 role=$2; shift 2
  local d="$WORK/$role"; mkdir -p "$d/dev" "$d/run"
  private_dev_script "$role" >"$d/privdev.sh"
  ip netns exec "$ns" unshare -m --propagation private sh -c ". '$d/privdev.sh'; exec \"\$@\"" sh "$@" \
    >>"$d/daemon.stdout" 2>&1 &
  PIDS+=($!)
}

collect_ppp_logs() { # scenario [suffix]
  mkdir -p "$LOGDIR"
  local role f
  for role in client server; do
    f="$LOGDIR/$1-$role${2:-}.log"; : >"$f"
    [ -f "$WORK/$role/daemon.log" ] && { echo "## syslog (daemon + pppd)"; cat "$WORK/$role/daemon.log"; } >>"$f"
    [ -s "$WORK/$role/daemon.stdout" ] && { echo "## stdout/stderr"; cat "$WORK/$role/daemon.stdout"; } >>"$f"
    [ -s "$f" ] || echo "(no output)" >"$f"
  done
}

# l2tp_configs LNS_ADDR SERVER_LISTEN CLIENT_LISTEN(optional)
l2tp_configs() {
  local lns=$1 slisten=$2 clisten=${3:-}
  mkdir -p "$WORK/client" "$WORK/server"
  cat >"$WORK/server/xl2tpd.conf" <<EOF
[global]
listen-addr = $slisten
port = 1701
debug tunnel = yes
debug state = yes
[lns default]
ip range = 10.99.30.10-10.99.30.20
local ip = 10.99.30.1
require authentication = yes
require chap = yes
refuse pap = yes
name = lns.lab.example
pppoptfile = $WORK/server/options.xl2tpd
length bit = yes
EOF
  cat >"$WORK/server/options.xl2tpd" <<EOF
debug
nodetach
require-mschap-v2
ms-dns 10.99.30.1
mtu 1400
mru 1400
EOF
  cat >"$WORK/client/xl2tpd.conf" <<EOF
[global]
${clisten:+listen-addr = $clisten}
port = 1701
debug tunnel = yes
debug state = yes
[lac lab]
lns = $lns
autodial = yes
redial = no
name = alice
require authentication = no
pppoptfile = $WORK/client/options.xl2tpd
length bit = yes
EOF
  cat >"$WORK/client/options.xl2tpd" <<EOF
debug
noauth
user alice
password alice-password
mtu 1400
mru 1400
EOF
}

l2tp_start() { # scenario wait-seconds
  start_syslog server; start_syslog client
  start_ppp_daemon $NS_S server xl2tpd -D -c "$WORK/server/xl2tpd.conf" -p "$WORK/server/xl2tpd.pid" -C "$WORK/server/l2tp-control"
  sleep 0.5
  start_ppp_daemon $NS_C client xl2tpd -D -c "$WORK/client/xl2tpd.conf" -p "$WORK/client/xl2tpd.pid" -C "$WORK/client/l2tp-control"
  log "$1: xl2tpd LAC autodials the LNS; waiting $2 s"
  sleep "$2"
}

l2tp_outcome() { # client-log server-log
  OUTCOME=no-control-connection
  grep -q 'Call established' "$1" && OUTCOME=session-up
  [ "$OUTCOME" = session-up ] && grep -q 'call_close' "$1" "$2" && OUTCOME=session-up-then-cdn
  return 0
}

run_l2tp() { # scenario outdir blocked(0|1)
  local sc=$1 out=$2 blocked=$3
  NEED_L2TP_PPTP=1 ensure_packages
  net_up 0
  [ "$blocked" = 1 ] && nsx $NS_R iptables -A FORWARD -p udp --dport 1701 -j DROP
  rm -rf "$WORK/client" "$WORK/server"
  l2tp_configs "$S_ADDR" "$S_ADDR"
  start_captures "$sc" "$out"
  if [ "$blocked" = 1 ]; then l2tp_start "$sc" "${L2TP_WAIT:-8}"; else l2tp_start "$sc" "${L2TP_WAIT:-4}"; fi
  stop_captures
  stop_all
  collect_ppp_logs "$sc"
  l2tp_outcome "$LOGDIR/$sc-client.log" "$LOGDIR/$sc-server.log"
  RESULT=0
}

# L2TP inside IPsec (IKEv1 like Windows/macOS L2TP/IPsec). libipsec has no
# transport mode ("IPsec SA: unsupported mode"), so this is tunnel mode with
# traffic selectors limited to UDP 1701 between the two inner addresses.
l2tp_over_ipsec_hook() { # scenario
  l2tp_configs "$S_INNER" "$S_INNER" "$C_INNER"
  l2tp_start "$1" "${L2TP_WAIT:-4}"
}

run_pptp() { # scenario outdir mode(0 ok, 1 TCP 1723 dropped, 2 no pptpd)
  local sc=$1 out=$2 blocked=$3
  NEED_L2TP_PPTP=1 ensure_packages
  net_up 0
  [ "$blocked" = 1 ] && nsx $NS_R iptables -A FORWARD -p tcp --dport 1723 -j DROP
  rm -rf "$WORK/client" "$WORK/server"; mkdir -p "$WORK/client" "$WORK/server"
  cat >"$WORK/server/pptpd.conf" <<EOF
option $WORK/server/options.pptpd
localip 10.99.40.1
remoteip 10.99.40.10-20
EOF
  cat >"$WORK/server/options.pptpd" <<EOF
name pptpd
debug
refuse-pap
refuse-chap
refuse-mschap
require-mschap-v2
require-mppe-128
ms-dns 10.99.40.1
nodefaultroute
lock
nobsdcomp
EOF
  cat >"$WORK/client/options.pptp" <<EOF
debug
nodetach
noauth
name alice
password alice-password
refuse-eap
nobsdcomp
nodeflate
require-mppe-128
EOF
  start_captures "$sc" "$out"
  start_syslog server; start_syslog client
  [ "$blocked" != 2 ] && start_ppp_daemon $NS_S server pptpd -f -d -c "$WORK/server/pptpd.conf" -p "$WORK/server/pptpd.pid" -l "$S_ADDR"
  sleep 0.5
  start_ppp_daemon $NS_C client pptp "$S_ADDR" --nobuffer --loglevel 2 file "$WORK/client/options.pptp"
  log "$sc: pptp dials pptpd; waiting"
  if [ "$blocked" = 1 ]; then sleep "${PPTP_WAIT:-8}"; else sleep "${PPTP_WAIT:-4}"; fi
  stop_captures
  stop_all
  collect_ppp_logs "$sc"
  OUTCOME=no-control-connection
  grep -q 'Outgoing call established' "$LOGDIR/$sc-client.log" && OUTCOME=call-up
  [ "$OUTCOME" = call-up ] && grep -q 'peer has closed' "$LOGDIR/$sc-client.log" && OUTCOME=call-up-then-closed
  RESULT=0
}

# ---------------------------------------------------------------- WireGuard
# wireguard-go (userspace, /dev/net/tun) in the client and server namespaces; the client pings the
# server's tunnel address 4 times. Modes: ok; unknown-key (the server has no [Peer] with the
# client's public key: it drops the initiations silently); allowedips (the server's AllowedIPs for
# the client lack the client's tunnel address: it decrypts the pings and drops them); no-data (no
# ping: a persistent keepalive every 2 s makes the handshake, and nothing but keepalives follows);
# blocked (one ping, waiting for three initiations: the scenario's RTR_RULES drop them or the
# responses on the way); one-way (pings for 12 s: RTR_RULES drop the answers).
WG_C_INNER=10.99.60.2
WG_S_INNER=10.99.60.1
run_wireguard() { # scenario outdir mode
  local sc=$1 out=$2 mode=$3 d role allowed
  command -v wireguard-go >/dev/null && command -v wg >/dev/null || apt-get install -y wireguard-go wireguard-tools >&2
  net_up 0
  router_rules
  rm -rf "$WORK/client" "$WORK/server"; mkdir -p "$WORK/client" "$WORK/server"
  for role in client server; do
    d="$WORK/$role"; (umask 077; wg genkey >"$d/key"); wg pubkey <"$d/key" >"$d/pub"
  done
  (umask 077; wg genkey) | wg pubkey >"$WORK/client/other.pub"   # a key the server is given instead (unknown-key)
  start_captures "$sc" "$out"
  for role in client server; do
    local ns=$NS_C; [ $role = server ] && ns=$NS_S
    LOG_LEVEL=debug WG_PROCESS_FOREGROUND=1 ip netns exec $ns wireguard-go -f "wg-$role" >"$WORK/$role/daemon.log" 2>&1 &
    PIDS+=($!)
  done
  sleep 1
  allowed=$WG_C_INNER/32; [ "$mode" = allowedips ] && allowed=10.99.60.99/32
  local client_pub; client_pub=$(cat "$WORK/client/pub"); [ "$mode" = unknown-key ] && client_pub=$(cat "$WORK/client/other.pub")
  nsx $NS_S wg set wg-server private-key "$WORK/server/key" listen-port 51820 peer "$client_pub" allowed-ips "$allowed"
  nsx $NS_C wg set wg-client private-key "$WORK/client/key" peer "$(cat "$WORK/server/pub")" endpoint "$S_ADDR:51820" allowed-ips "$WG_S_INNER/32" \
    $([ "$mode" = no-data ] && echo persistent-keepalive 2)
  nsx $NS_S ip addr add $WG_S_INNER/24 dev wg-server; nsx $NS_S ip link set wg-server up
  nsx $NS_C ip addr add $WG_C_INNER/24 dev wg-client; nsx $NS_C ip link set wg-client up
  probe_ping
  log "$sc: client pings $WG_S_INNER through WireGuard"
  local pings=0
  if [ "$mode" = no-data ]; then
    sleep 7
  elif [ "$mode" = unknown-key ] || [ "$mode" = blocked ]; then
    nsx $NS_C ping -c 1 -W 12 $WG_S_INNER >/dev/null 2>&1 || true   # initiations at 0, ~5 and ~10 s
  elif [ "$mode" = one-way ]; then   # pings for 12 s: past the 10 s in which a peer that got data answers at least a keepalive
    pings=$(nsx $NS_C ping -c 30 -i 0.4 -W 1 $WG_S_INNER 2>/dev/null | grep -c 'bytes from' || true)
  else
    pings=$(nsx $NS_C ping -c 4 -i 0.3 -W 2 $WG_S_INNER 2>/dev/null | grep -c 'bytes from' || true)
    [ "$mode" = allowedips ] && sleep 11   # the server's passive keepalive comes 10 s after data it did not answer
  fi
  probe_ping
  for role in client server; do
    local ns=$NS_C; [ $role = server ] && ns=$NS_S
    nsx $ns wg show "wg-$role" >"$WORK/$role/wg-show.txt" 2>&1 || true
  done
  stop_captures
  stop_all
  mkdir -p "$LOGDIR"
  for role in client server; do
    { cat "$WORK/$role/daemon.log"; echo "--- wg show wg-$role"; sed 's/^\(  *\(private key\|preshared key\)\):.*/\1: (hidden)/' "$WORK/$role/wg-show.txt"; } >"$LOGDIR/$sc-$role.log"
  done
  OUTCOME=no-handshake
  grep -q 'latest handshake' "$WORK/client/wg-show.txt" && OUTCOME=handshake-noping
  [ "$OUTCOME" = handshake-noping ] && [ "$pings" -gt 0 ] && OUTCOME=up
  RESULT=0
}

# ---------------------------------------------------------------- OpenVPN
# A server and a client (OpenVPN 2.6, TLS with a small openssl CA) on tun devices in the
# namespaces. Modes: ok (tunnel up, 3 pings through it), tls-auth-mismatch (each side has its own
# ta.key: the server drops the client's hard resets silently), unknown-ca (the client trusts another
# CA: it refuses the server's certificate with a TLS alert; TLS 1.2 so the alert is in clear),
# tls-crypt-mismatch (each side has its own tls-crypt key: the server drops every packet silently),
# ping-restart (the client restarts after 4 s with nothing from the server: with RTR_RULES that drop
# the server's data packets, a reconnect loop). SERVER_RUNNING=0: no server (refused).
ovpn_ca() { # dir name: a CA key and certificate
  openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=$2" -keyout "$1/$2.key" -out "$1/$2.crt" 2>/dev/null
}
ovpn_cert() { # dir ca name: a key and a certificate signed by ca (serverAuth or clientAuth)
  local ext="$1/$3.ext"
  if [ "$3" = server ]; then printf "extendedKeyUsage=serverAuth\nkeyUsage=digitalSignature,keyEncipherment\n" >"$ext"; else printf "extendedKeyUsage=clientAuth\nkeyUsage=digitalSignature\n" >"$ext"; fi
  openssl req -newkey rsa:2048 -nodes -subj "/CN=$3" -keyout "$1/$3.key" -out "$1/$3.csr" 2>/dev/null
  openssl x509 -req -in "$1/$3.csr" -CA "$1/$2.crt" -CAkey "$1/$2.key" -CAcreateserial -days 30 -extfile "$ext" \
    -out "$1/$3.crt" 2>/dev/null
}
run_openvpn() { # scenario outdir proto(udp|tcp) mode(ok|tls-auth-mismatch|unknown-ca|tls-crypt-mismatch|ping-restart)
  local sc=$1 out=$2 proto=$3 mode=$4 d="$WORK/ovpn"
  command -v openvpn >/dev/null || { DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends openvpn >/dev/null; }
  net_up 0
  router_rules
  rm -rf "$d"; mkdir -p "$d"
  ovpn_ca "$d" ca; ovpn_ca "$d" other-ca
  ovpn_cert "$d" ca server; ovpn_cert "$d" ca client
  [ -e /dev/net/tun ] || { mkdir -p /dev/net; mknod /dev/net/tun c 10 200; }
  local tlsauth_s="" tlsauth_c="" client_ca="$d/ca.crt" client_timers=""
  if [ "$mode" = tls-auth-mismatch ]; then
    openvpn --genkey secret "$d/ta-server.key"; openvpn --genkey secret "$d/ta-client.key"
    tlsauth_s="--tls-auth $d/ta-server.key 0"; tlsauth_c="--tls-auth $d/ta-client.key 1"
  fi
  if [ "$mode" = tls-crypt-mismatch ]; then
    openvpn --genkey secret "$d/tc-server.key"; openvpn --genkey secret "$d/tc-client.key"
    tlsauth_s="--tls-crypt $d/tc-server.key"; tlsauth_c="--tls-crypt $d/tc-client.key"
  fi
  # ping-restart: the client pings every second and restarts when nothing comes back for 4 s
  [ "$mode" = ping-restart ] && client_timers="--ping 1 --ping-restart 4"
  [ "$mode" = unknown-ca ] && client_ca="$d/other-ca.crt"
  local sproto=$proto cproto=$proto
  [ "$proto" = tcp ] && { sproto=tcp-server; cproto=tcp-client; }
  start_captures "$sc" "$out"
  # shellcheck disable=SC2086
  [ "$SERVER_RUNNING" = 1 ] && nsx $NS_S openvpn --dev tun --proto "$sproto" --port 1194 --tls-server --dh none --ca "$d/ca.crt" \
    --cert "$d/server.crt" --key "$d/server.key" --ifconfig 10.99.50.1 10.99.50.2 --verb 3 $tlsauth_s \
    --log "$WORK/openvpn-server.log" --writepid "$WORK/openvpn-server.pid" --daemon
  sleep 0.5
  # shellcheck disable=SC2086
  nsx $NS_C openvpn --dev tun --proto "$cproto" --remote "$S_ADDR" 1194 --tls-client --remote-cert-tls server \
    --ca "$client_ca" --cert "$d/client.crt" --key "$d/client.key" --ifconfig 10.99.50.2 10.99.50.1 --verb 3 \
    --tls-version-max 1.2 --connect-retry 1 --hand-window 6 --nobind $tlsauth_c $client_timers \
    --log "$WORK/openvpn-client.log" --writepid "$WORK/openvpn-client.pid" --daemon
  probe_ping
  OUTCOME=no-tunnel
  local i
  for i in $(seq 1 20); do
    grep -q 'Initialization Sequence Completed' "$WORK/openvpn-client.log" 2>/dev/null && { OUTCOME=up; break; }
    sleep 0.5
  done
  if [ "$OUTCOME" = up ]; then nsx $NS_C ping -c3 -i0.3 -W1 10.99.50.1 >/dev/null 2>&1 || OUTCOME=up-noping; else sleep 6; fi
  probe_ping
  if [ "$mode" = ping-restart ]; then
    sleep 12
    [ "$(grep -c 'SIGUSR1\[soft,ping-restart\]' "$WORK/openvpn-client.log")" -ge 2 ] && OUTCOME=up-restarting
  fi
  stop_captures
  local pid
  for pid in $(cat "$WORK/openvpn-client.pid" "$WORK/openvpn-server.pid" 2>/dev/null); do kill "$pid" 2>/dev/null || true; done
  sleep 0.3
  mkdir -p "$LOGDIR"
  cp "$WORK/openvpn-client.log" "$LOGDIR/$sc-client.log" 2>/dev/null || true
  cp "$WORK/openvpn-server.log" "$LOGDIR/$sc-server.log" 2>/dev/null || echo "(no OpenVPN server running in this scenario)" >"$LOGDIR/$sc-server.log"
  RESULT=0
}

# ---------------------------------------------------------------- AnyConnect (ocserv + openconnect)
# ocserv (the AnyConnect protocol's open server; ocserv and openconnect come from ensure_packages)
# on TCP and UDP 443 in the server namespace, with a
# password file and a certificate from a small openssl CA; openconnect non-interactive in the
# client's. Modes: ok (TLS, then DTLS, 3 pings through the tunnel), dtls-blocked (the router drops
# UDP 443: the client stays on TLS, the pings still pass), wrong-ca (the client trusts another CA:
# it refuses the server's certificate and gives up).
run_anyconnect() { # scenario outdir mode(ok|dtls-blocked|wrong-ca)
  local sc=$1 out=$2 mode=$3 d="$WORK/oc"
  net_up 0
  rm -rf "$d"; mkdir -p "$d"
  chmod o+x "$WORK"; chmod 755 "$d"  # ocserv's workers run as nobody and reach sec-mod's socket here
  ovpn_ca "$d" ca; ovpn_ca "$d" other-ca
  printf "subjectAltName=IP:%s\nextendedKeyUsage=serverAuth\nkeyUsage=digitalSignature,keyEncipherment\n" "$S_ADDR" >"$d/server.ext"
  openssl req -newkey rsa:2048 -nodes -subj "/CN=$S_ADDR" -keyout "$d/server.key" -out "$d/server.csr" 2>/dev/null
  openssl x509 -req -in "$d/server.csr" -CA "$d/ca.crt" -CAkey "$d/ca.key" -CAcreateserial -days 30 -extfile "$d/server.ext" \
    -out "$d/server.crt" 2>/dev/null
  echo "labpass" | ocpasswd -c "$d/ocpasswd" labuser 2>/dev/null || printf 'labpass\nlabpass\n' | ocpasswd -c "$d/ocpasswd" labuser
  cat >"$d/ocserv.conf" <<CONF
auth = "plain[passwd=$d/ocpasswd]"
tcp-port = 443
udp-port = 443
listen-host = $S_ADDR
run-as-user = nobody
run-as-group = nogroup
socket-file = $d/ocserv.sock
server-cert = $d/server.crt
server-key = $d/server.key
isolate-workers = false
max-clients = 4
max-same-clients = 4
keepalive = 30
dpd = 5
mobile-dpd = 5
try-mtu-discovery = false
auth-timeout = 30
cookie-timeout = 60
rekey-time = 172800
rekey-method = ssl
use-occtl = false
pid-file = $d/ocserv.pid
device = vpns
predictable-ips = true
ipv4-network = 10.99.60.0
ipv4-netmask = 255.255.255.0
ping-leases = false
cisco-client-compat = true
CONF
  # openconnect's tunnel set-up: the address ocserv hands out, nothing else (no vpnc-script).
  cat >"$d/tun-script" <<'SCRIPT'
#!/bin/sh
if [ "$reason" = connect ]; then
  ip link set "$TUNDEV" up mtu "${INTERNAL_IP4_MTU:-1400}"
  ip addr add "$INTERNAL_IP4_ADDRESS/32" dev "$TUNDEV"
  ip route add 10.99.60.0/24 dev "$TUNDEV"
fi
exit 0
SCRIPT
  chmod +x "$d/tun-script"
  [ -e /dev/net/tun ] || { mkdir -p /dev/net; mknod /dev/net/tun c 10 200; }
  [ "$mode" = dtls-blocked ] && nsx $NS_R iptables -A FORWARD -p udp --dport 443 -j DROP
  local client_ca="$d/ca.crt"
  [ "$mode" = wrong-ca ] && client_ca="$d/other-ca.crt"
  start_captures "$sc" "$out"
  nsx $NS_S ocserv -f -d 2 -c "$d/ocserv.conf" >"$WORK/ocserv.log" 2>&1 &
  PIDS+=($!)
  local i
  for i in $(seq 1 30); do nsx $NS_S ss -ltn 2>/dev/null | grep -q ":443 " && break; sleep 0.2; done
  echo labpass | nsx $NS_C openconnect --non-inter --passwd-on-stdin --user=labuser --cafile "$client_ca" \
    --script "$d/tun-script" --interface oc0 -v "https://$S_ADDR/" >"$WORK/openconnect.log" 2>&1 &
  PIDS+=($!)
  local oc=$!
  OUTCOME=no-tunnel
  for i in $(seq 1 40); do
    nsx $NS_C ip -4 addr show dev oc0 2>/dev/null | grep -q inet && { OUTCOME=up; break; }
    kill -0 "$oc" 2>/dev/null || break
    sleep 0.25
  done
  if [ "$OUTCOME" = up ]; then
    # DTLS comes a moment after the tunnel (or never, when blocked): wait for it or its give-up.
    for i in $(seq 1 24); do grep -q 'Established DTLS\|DTLS handshake timed out\|DTLS handshake failed' "$WORK/openconnect.log" && break; sleep 0.25; done
    nsx $NS_C ping -c3 -i0.3 -w 20 10.99.60.1 >"$WORK/ping.log" 2>&1 || OUTCOME=up-noping
  fi
  kill -INT "$oc" 2>/dev/null || true
  sleep 0.5
  stop_captures
  stop_all
  mkdir -p "$LOGDIR"
  cp "$WORK/openconnect.log" "$LOGDIR/$sc-client.log" 2>/dev/null || true
  cp "$WORK/ocserv.log" "$LOGDIR/$sc-server.log" 2>/dev/null || true
  [ -s "$WORK/ping.log" ] && { echo "--- ping through the tunnel"; cat "$WORK/ping.log"; } >>"$LOGDIR/$sc-client.log"
  RESULT=0
}

# ---------------------------------------------------------------- self-check
# The daemons must have done what the scenario intends (IPsec: SA up or not,
# pings through or not) and both captures must hold packets.
# ---------------------------------------------------------------- IKEv2 over TCP (RFC 8229)
# strongSwan 5.9.8 has no RFC 8229: ikev2tcp.py replays the IKE messages and ESP packets of
# lab-ikev2-psk-ok-client.pcap (strongSwan's bytes) over a real kernel TCP connection to TCP 4500,
# with the RFC 8229 framing written by the script (SYNTHETIC FRAMING). Modes: ok, split (IKE_AUTH
# request in two segments, two ESP packets in one), silent (no IKE_AUTH answer; the client closes
# after 8 s), refused (nothing listens on 4500: the server's kernel answers the SYN with a RST),
# blocked (the router drops TCP 4500: the client's SYNs go unanswered and it gives up after 7 s).
# ikev2-tcp-443-ok: ok on TCP 443, a port without a registry entry (recognised by the prefix).
run_ikev2tcp() { # scenario outdir mode port
  local sc=$1 out=$2 mode=$3 port=$4 src="$CAPTURES_DIR/lab-ikev2-psk-ok-client.pcap"
  net_up 0
  start_captures "$sc" "$out"
  mkdir -p "$WORK/server" "$WORK/client"
  [ "$mode" = blocked ] && nsx $NS_R iptables -A FORWARD -p tcp --dport 4500 -j DROP
  if [ "$mode" != refused ]; then
    nsx $NS_S python3 "$LAB_DIR/ikev2tcp.py" server "$mode" "$S_ADDR" "$port" "$src" "$C_PUB" >"$WORK/server/daemon.log" 2>&1 &
    PIDS+=($!)
    sleep 0.5
  fi
  OUTCOME=$(nsx $NS_C python3 "$LAB_DIR/ikev2tcp.py" client "$mode" "$S_ADDR" "$port" "$src" "$C_PUB" 2>"$WORK/client/daemon.log")
  sleep 1.5   # tcpdump hands packets over in blocks (1 s timeout): let the closing segments through
  stop_captures
  stop_all
  mkdir -p "$LOGDIR"
  { echo "ikev2tcp.py client $mode: $OUTCOME"; cat "$WORK/client/daemon.log"; } >"$LOGDIR/$sc-client.log"
  { echo "ikev2tcp.py server $mode"; cat "$WORK/server/daemon.log" 2>/dev/null; } >"$LOGDIR/$sc-server.log"
  RESULT=0
}

check_scenario() { # scenario outdir
  local sc=$1 out=$2 ok=0 v n
  if [ -n "$EXPECT" ] && [ "$OUTCOME" != "$EXPECT" ]; then
    log "$sc: CHECK FAILED: expected '$EXPECT', got '$OUTCOME'"; ok=1
  fi
  for v in client server; do
    if [ ! -s "$out/lab-$sc-$v.pcap" ]; then log "$sc: CHECK FAILED: no $v capture"; ok=1; continue; fi
    if command -v tshark >/dev/null; then
      n=$(tshark -r "$out/lab-$sc-$v.pcap" 2>/dev/null | wc -l)
      [ "$n" -gt 0 ] || { log "$sc: CHECK FAILED: $v capture is empty"; ok=1; }
    fi
  done
  return $ok
}

# ---------------------------------------------------------------- main
main() {
  [ "$(id -u)" = 0 ] || die "run as root"
  local what=${1:-}
  [ -n "$what" ] || { sed -n '2,17p' "$0"; exit 2; }
  if [ "$what" = list ]; then echo $ALL_SCENARIOS | tr ' ' '\n'; exit 0; fi
  OUTDIR=$(mkdir -p "${2:-$CAPTURES_DIR}" && cd "${2:-$CAPTURES_DIR}" && pwd)
  LOGDIR=${LOGDIR:-$OUTDIR/lab/logs}
  local list
  case "$what" in
    all) list=$ALL_SCENARIOS; NEED_L2TP_PPTP=1; NEED_ANYCONNECT=1 ;;
    ci) list=$CI_SCENARIOS ;;
    *) list=$what; case "$what" in l2tp*|pptp*) NEED_L2TP_PPTP=1 ;; anyconnect*) NEED_ANYCONNECT=1 ;; esac ;;
  esac
  # One lab at a time on a machine: the namespaces have fixed names, so a second run (two test
  # suites in parallel, two people) waits here for the first to finish.
  exec 9>/tmp/vpndoctor-lab.lock
  flock 9
  ensure_packages
  WORK=$(mktemp -d /tmp/vdlab.XXXXXX)
  trap cleanup EXIT
  trap 'exit 130' INT TERM
  local sc t0 t1 start=$SECONDS
  BAD=()
  for sc in $list; do
    t0=$SECONDS
    RESULT=0
    OUTCOME=""; EXPECT=""
    scenario "$sc" "$OUTDIR"
    t1=$SECONDS
    if ! check_scenario "$sc" "$OUTDIR"; then BAD+=("$sc"); fi
    log "$sc: done in $((t1 - t0)) s -> $OUTDIR/lab-$sc-{client,server}.pcap"
  done
  net_down
  log "total $((SECONDS - start)) s"
  if [ ${#BAD[@]} -gt 0 ]; then log "UNEXPECTED RESULT in: ${BAD[*]}"; exit 1; fi
}

main "$@"
