#!/usr/bin/env python3
"""IKEv2 over TCP (RFC 8229) from real parts, for the lab (lab.sh's ikev2-tcp-* scenarios).

strongSwan 5.9.8 has no RFC 8229, so this plays a real lab IKEv2 exchange over a REAL TCP
connection between the lab's namespaces: the IKE messages and ESP packets are taken byte for byte
from a strongSwan capture (default Captures/lab-ikev2-psk-ok-client.pcap), the framing (the
"IKETCP" prefix, a 2-byte length that counts itself, the non-ESP marker before IKE) is written
here, and TCP is the kernel's. tcpdump in lab.sh records it. SYNTHETIC FRAMING, real IKE bytes.

  ikev2tcp.py server MODE ADDR PORT SOURCE.pcap    answer the client (run in the server namespace)
  ikev2tcp.py client MODE ADDR PORT SOURCE.pcap    connect and play the initiator's side

MODE: ok     the whole exchange, then the 4 pings' ESP each way
      split  as ok, but the IKE_AUTH request leaves in two segments (a message split over
             segments) and the last two ESP packets in one (two messages in one segment)
      silent the server answers IKE_SA_INIT, then reads IKE_AUTH and says nothing; the client
             gives up after 8 s and closes the connection
      blocked as ok on the server; lab.sh drops TCP 4500 on the router: the client gives up
             connecting after 7 s
The client prints its outcome (up, refused, no-auth-response, no-connection) on stdout.
"""
import socket
import struct
import sys
import time

PREFIX = b"IKETCP"
MARKER = b"\x00\x00\x00\x00"


def messages(path, client_addr):
    """(from_client, kind, bytes) of each IKE message and ESP packet in a pcap of UDP 500/4500."""
    out = []
    with open(path, "rb") as f:
        header = f.read(24)
        endian = "<" if header[:4] == b"\xd4\xc3\xb2\xa1" else ">"
        link = struct.unpack(endian + "I", header[20:24])[0]
        while True:
            record = f.read(16)
            if len(record) < 16:
                break
            caplen = struct.unpack(endian + "I", record[8:12])[0]
            frame = f.read(caplen)
            ip = frame[14:] if link == 1 else frame
            if ip[0] >> 4 != 4 or ip[9] != 17:
                continue
            ihl = (ip[0] & 15) * 4
            src = socket.inet_ntoa(ip[12:16])
            sport, dport, ulen = struct.unpack("!HHH", ip[ihl:ihl + 6])
            payload = ip[ihl + 8:ihl + ulen]
            if 500 in (sport, dport):
                out.append((src == client_addr, "ike", payload))
            elif payload[:4] == MARKER:
                out.append((src == client_addr, "ike", payload[4:]))
            elif len(payload) > 1:
                out.append((src == client_addr, "esp", payload))
    return out


def frame(kind, payload):
    """RFC 8229 §3: the length counts itself; IKE carries the non-ESP marker, ESP does not."""
    body = MARKER + payload if kind == "ike" else payload
    return struct.pack("!H", len(body) + 2) + body


def read_message(sock, first=False):
    """One framed message from the peer (after the prefix when `first` on the server)."""
    def exactly(n):
        data = b""
        while len(data) < n:
            chunk = sock.recv(n - len(data))
            if not chunk:
                raise EOFError
            data += chunk
        return data
    if first and exactly(len(PREFIX)) != PREFIX:
        raise ValueError("no IKETCP prefix")
    length = struct.unpack("!H", exactly(2))[0]
    body = exactly(length - 2)
    print(f"{time.time():.6f} received {'IKE' if body[:4] == MARKER else 'ESP'} message, length {length}", file=sys.stderr)
    return body


def send(sock, data, pieces=1):
    """Sends `data` in `pieces` segments (TCP_NODELAY and a pause between them)."""
    print(f"{time.time():.6f} send {len(data)} bytes in {pieces} segment(s)", file=sys.stderr)
    step = (len(data) + pieces - 1) // pieces
    for i in range(0, len(data), step):
        sock.sendall(data[i:i + step])
        if pieces > 1:
            time.sleep(0.2)


def main():
    role, mode, addr, port, source = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
    client_addr = sys.argv[6] if len(sys.argv) > 6 else "192.0.2.10"
    script = messages(source, client_addr)
    mine = [(k, p) for c, k, p in script if c == (role == "client")]
    theirs = [(k, p) for c, k, p in script if c != (role == "client")]
    if role == "server":
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((addr, port))
        listener.listen(1)
        listener.settimeout(30)
        sock, _ = listener.accept()
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            for i, (kind, payload) in enumerate(mine):
                read_message(sock, first=(i == 0))
                if mode == "silent" and i == 1:   # IKE_AUTH request read: no answer
                    sock.settimeout(20)
                    read_message(sock)            # until the client closes
                    break
                send(sock, frame(kind, payload))
            sock.settimeout(5)
            while sock.recv(4096):
                pass
        except (EOFError, socket.timeout, ConnectionError):
            pass
        sock.close()
        return
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.settimeout(7)
    try:
        sock.connect((addr, port))
    except ConnectionRefusedError:
        print("refused")
        return
    except OSError:
        print("no-connection")
        return
    sock.settimeout(8)
    outcome = "up"
    esp = [i for i, (kind, _) in enumerate(mine) if kind == "esp"]
    i = 0
    while i < len(mine):
        kind, payload = mine[i]
        data = (PREFIX if i == 0 else b"") + frame(kind, payload)
        together = mode == "split" and esp and i == esp[-2]
        if together:                              # the last two ESP packets in one segment
            data += frame(*mine[i + 1])
        send(sock, data, pieces=2 if mode == "split" and i == 1 else 1)
        try:
            read_message(sock)
            if together:
                read_message(sock)
        except (socket.timeout, EOFError):
            outcome = "no-auth-response" if i == 1 else "no-response"
            break
        i += 2 if together else 1
        time.sleep(0.3 if kind == "esp" else 0)
    sock.close()
    print(outcome)


if __name__ == "__main__":
    main()
