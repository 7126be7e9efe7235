import Sessions

/// WireGuard's and OpenVPN's messages on the ladder: their handshakes as arrows, their data as bands.
extension LadderBuilder {
    /// Each handshake initiation, its response or cookie reply; data and keepalives as a band.
    mutating func addWireGuard(_ w: WireGuardEvidence?) {
        guard let w else { return }
        for (n, h) in w.handshakes.enumerated() {
            let fromClient = h.initiator.address != self.session.server
            let (from, to) = self.side(fromClient: fromClient)
            let key = MessageKey(family: "wireguard", a: n, b: 0)
            self.messages.append(.init(from: from, to: to, label: "Handshake Initiation", frames: [h.initiationFrame], times: [h.time],
                                       fields: ["\(h.initiator.address):\(h.initiator.port) → \(h.responder.address):\(h.responder.port)",
                                                "sender index \(h.initiatorIndexHex)"],
                                       unanswered: false, key: key, isRequest: true, missing: "no response"))
            if let r = h.responseFrame {
                self.messages.append(.init(from: to, to: from, label: "Handshake Response", frames: [r], times: [h.responseTime],
                                           fields: h.responderIndex.map { ["sender index 0x" + String($0, radix: 16)] } ?? [],
                                           unanswered: false, key: MessageKey(family: "wireguard", a: n, b: 1), isRequest: false))
            }
            if let c = h.cookieReplyFrame {
                self.messages.append(.init(from: to, to: from, label: "Cookie Reply (under load)", frames: [c], times: [nil],
                                           fields: [], unanswered: false, key: MessageKey(family: "wireguard", a: n, b: 1),
                                           isRequest: false))
            }
        }
        let out = w.fromClient.data, back = w.fromServer.data
        let frames = [out.firstFrame, back.firstFrame].compactMap { $0 }
        if out.packets + back.packets > 0 {
            self.bands.append(.init(label: "WireGuard data", toServer: out.packets, toClient: back.packets,
                                    firstFrame: frames.min() ?? Int.max, frames: frames.sorted(),
                                    start: [out.start, back.start].compactMap { $0 }.min(), end: [out.end, back.end].compactMap { $0 }.max()))
        }
        let keepalives = w.fromClient.keepalives + w.fromServer.keepalives
        if keepalives > 0 {
            let first = [w.fromClient.firstKeepaliveFrame, w.fromServer.firstKeepaliveFrame].compactMap { $0 }
            self.bands.append(.init(label: "WireGuard keepalives", toServer: w.fromClient.keepalives, toClient: w.fromServer.keepalives,
                                    firstFrame: first.min() ?? Int.max, frames: first.sorted(), start: nil, end: nil))
        }
    }

    /// Each attempt's TCP opening (over TCP), hard resets (the client's, the server's answer), its TLS
    /// records with alerts named, and its data as a band.
    mutating func addOpenVPN(_ attempts: [OpenVPNEvidence]) {
        for (n, o) in attempts.enumerated() {
            let protocolName = o.overTCP ? "TCP" : "UDP"
            if o.overTCP {
                self.addTCPOpening("OpenVPN", port: Int(o.server.port), route: "\(o.client.address) → \(o.server.address):\(o.server.port)",
                                   syn: o.synFrames, synAck: o.synAckFrames, reset: o.resetFrames, resetFromServer: o.resetFromServer, attempt: n)
            }
            if !o.clientResets.isEmpty {
                self.messages.append(.init(from: 0, to: 1, label: "Hard Reset (client)", frames: o.clientResets,
                                           times: o.clientResets.map { _ in nil },
                                           fields: ["\(o.client.address):\(o.client.port) → \(o.server.address):\(o.server.port) \(protocolName)",
                                                    o.clientSessionID.map { "session ID \($0)" } ?? "", o.protection ?? ""].filter { !$0.isEmpty },
                                           unanswered: false, key: MessageKey(family: "openvpn", a: n, b: 0), isRequest: true,
                                           missing: "no server reset"))
            }
            if !o.serverResets.isEmpty {
                self.messages.append(.init(from: 1, to: 0, label: "Hard Reset (server)", frames: o.serverResets,
                                           times: o.serverResets.map { _ in nil },
                                           fields: o.serverSessionID.map { ["session ID \($0)"] } ?? [],
                                           unanswered: false, key: MessageKey(family: "openvpn", a: n, b: 1), isRequest: false))
            }
            for r in o.tlsRecords {
                let (from, to) = self.side(fromClient: r.fromClient)
                let label = r.alertName.map { "TLS alert: \($0)" } ?? (r.handshake.isEmpty ? "TLS record \(r.contentType)" : "TLS " + r.handshake.joined(separator: ", "))
                self.messages.append(.init(from: from, to: to, label: label, frames: [r.frame], times: [r.time],
                                           fields: ["TLS content type \(r.contentType)"] + (r.alertLevel.map { ["alert level \($0)"] } ?? []),
                                           unanswered: false, key: MessageKey(family: "openvpn-tls", a: r.frame, b: 0), isRequest: false))
            }
            if o.dataFromClient + o.dataFromServer > 0 {
                let frames = [o.firstDataFromClient, o.firstDataFromServer].compactMap { $0 }
                self.bands.append(.init(label: "OpenVPN data", toServer: o.dataFromClient, toClient: o.dataFromServer,
                                        firstFrame: frames.min() ?? Int.max, frames: frames.sorted(), start: nil, end: nil))
            }
        }
    }
}
