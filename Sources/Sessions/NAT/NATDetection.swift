import Crypto
import Decoding
import Foundation

/// Recomputes NAT-D hashes against the addresses seen at the capture point and says who is
/// behind NAT.
///
/// - IKEv1 (RFC 3947 §3.2): HASH = HASH(CKY-I | CKY-R | IP | Port) with the negotiated hash
///   algorithm. "The first NAT-D payload contains the remote end's IP address and port (i.e. the
///   destination address of the UDP packet). The remaining NAT-D payloads contain possible local-end
///   IP addresses and ports (i.e. all source addresses the sender has)."
/// - IKEv2 (RFC 7296 §2.23): SHA-1 of "the SPIs (in the order they appear in the header), IP
///   address, and port from which this packet was sent" (destination notify: to which it was sent).
///   In the IKE_SA_INIT request the responder SPI in the header is zero.
///
/// A sender's source hash that does not match the source seen here means a NAT between the sender
/// and the capture point (the sender is behind NAT); a destination hash that does not match the
/// destination seen here means the receiver's address differs on the sender's side (the receiver is
/// behind NAT). A source hash that matches no address, sent by a host the capture sits next to
/// (its packets still carry an initial TTL: 64, 128 or 255), is a peer forcing UDP encapsulation.
public enum NATDetection {
    public enum HashAlgorithm: Sendable { case md5, sha1, sha256, sha384, sha512 }

    public static func hash(_ algorithm: HashAlgorithm, initiatorSPI: UInt64, responderSPI: UInt64,
                            endpoint: Endpoint) -> [UInt8] {
        var data = [UInt8]()
        data.reserveCapacity(36)
        withUnsafeBytes(of: initiatorSPI.bigEndian) { data.append(contentsOf: $0) }
        withUnsafeBytes(of: responderSPI.bigEndian) { data.append(contentsOf: $0) }
        data.append(contentsOf: endpoint.address.bytes)
        withUnsafeBytes(of: endpoint.port.bigEndian) { data.append(contentsOf: $0) }
        switch algorithm {
        case .md5: return Array(Insecure.MD5.hash(data: data))
        case .sha1: return Array(Insecure.SHA1.hash(data: data))
        case .sha256: return Array(SHA256.hash(data: data))
        case .sha384: return Array(SHA384.hash(data: data))
        case .sha512: return Array(SHA512.hash(data: data))
        }
    }

    /// The IKEv1 hash algorithm from the chosen (else the only offered) transform.
    static func algorithm(for sa: IKESA, observed: NATDObservation) -> [HashAlgorithm] {
        if sa.version == 2 { return [.sha1] }
        let proposal = sa.chosenProposal ?? (sa.offeredProposals.count == 1 ? sa.offeredProposals.first : nil)
        switch proposal?.first(.hash)?.id {
        case 1?: return [.md5]
        case 2?: return [.sha1]
        case 4?: return [.sha256]
        case 5?: return [.sha384]
        case 6?: return [.sha512]
        default:
            // Unknown: the hash length narrows it down.
            switch observed.sourceHashes.first?.count ?? observed.destinationHashes.first?.count {
            case 16?: return [.md5]
            case 20?: return [.sha1]
            case 32?: return [.sha256]
            case 48?: return [.sha384]
            case 64?: return [.sha512]
            default: return [.sha1, .md5]
            }
        }
    }

    static func matches(_ hashes: [[UInt8]], _ endpoint: Endpoint, _ o: NATDObservation, _ algorithms: [HashAlgorithm]) -> Bool {
        algorithms.contains { a in
            let h = hash(a, initiatorSPI: o.initiatorSPI, responderSPI: o.responderSPI, endpoint: endpoint)
            return hashes.contains(h)
        }
    }

    static func hasInitialTTL(_ ttl: UInt8) -> Bool { ttl == 64 || ttl == 128 || ttl == 255 }

    /// "3, 5, 9", or the first eight and "… and N more" (a peer repeating its hashes for hours).
    static func frameList(_ frames: [Int]) -> String {
        let list = frames.prefix(8).map(String.init).joined(separator: ", ")
        return frames.count > 8 ? "\(list) … and \(frames.count - 8) more" : list
    }

    /// The addresses a NAT-D hash that does not match its packet may have been computed over: those
    /// the SA's messages were seen with (a capture on both sides of the NAT sees the private one),
    /// and those of the session's flows (`flowAddresses`). Not every address of the capture: a
    /// flood of hashes that match nothing would cost each one a hash per address.
    static func candidates(_ sa: IKESA, flowAddresses: Set<IPAddress>) -> [IPAddress] {
        var seen = flowAddresses
        for m in sa.messages { seen.insert(m.source.address); seen.insert(m.destination.address) }
        return seen.sorted()
    }

    /// A source hash searched among one SA's candidates: the same hashes with the same SPIs are
    /// searched once.
    struct Search: Hashable {
        var hashes: [[UInt8]], initiatorSPI: UInt64, responderSPI: UInt64, port: UInt16, algorithms: [HashAlgorithm]
    }

    public static func conclude(sas: [IKESA], client: IPAddress, flowAddresses: Set<IPAddress>) -> NATConclusion? {
        var c = NATConclusion(clientBehindNAT: false, serverBehindNAT: false, forcedEncapsulation: [], privateAddresses: [],
                              frames: [], details: [], confidence: "high")
        var any = false
        // Source hashes that match nothing, from a peer the capture is not next to: NAT, or a forced
        // encapsulation that cannot be told apart from here.
        var unexplained = Set<NATConclusion.Side>()
        var unexplainedFrames: [NATConclusion.Side: [Int]] = [:]
        for sa in sas {
            var known: [IPAddress]?
            var searched: [Search: Endpoint?] = [:]
            for o in sa.natD {
                any = true
                c.frames.append(o.frame)
                let algorithms = algorithm(for: sa, observed: o)
                let senderIsClient = o.source.address == client
                let sender = senderIsClient ? "client" : "server", receiver = senderIsClient ? "server" : "client"
                if !o.sourceHashes.isEmpty, !matches(o.sourceHashes, o.source, o, algorithms) {
                    // Which address did it hash? Try each it could have, on the same port, then on 500.
                    let search = Search(hashes: o.sourceHashes, initiatorSPI: o.initiatorSPI, responderSPI: o.responderSPI,
                                        port: o.source.port, algorithms: algorithms)
                    if searched.index(forKey: search) == nil {
                        let addresses = known ?? candidates(sa, flowAddresses: flowAddresses)
                        known = addresses
                        let endpoints = addresses.map { Endpoint($0, o.source.port) } + addresses.map { Endpoint($0, 500) }
                        searched[search] = endpoints.first { matches(o.sourceHashes, $0, o, algorithms) }
                    }
                    if let found = searched[search]! {
                        c.privateAddresses.append(found.description)
                        c.details.append("frame \(o.frame): the \(sender)'s NAT-D source hash matches \(found), not \(o.source) seen here: the \(sender) is behind NAT")
                        if senderIsClient { c.clientBehindNAT = true } else { c.serverBehindNAT = true }
                    } else if hasInitialTTL(o.ttl) {
                        let side: NATConclusion.Side = senderIsClient ? .client : .server
                        if !c.forcedEncapsulation.contains(side) { c.forcedEncapsulation.append(side) }
                        c.details.append("frame \(o.frame): the \(sender)'s NAT-D source hash matches no address it could have, and its packets reach the capture point unrouted (TTL \(o.ttl)): it forces UDP encapsulation")
                    } else {
                        unexplained.insert(senderIsClient ? .client : .server)
                        unexplainedFrames[senderIsClient ? .client : .server, default: []].append(o.frame)
                    }
                }
                if !o.destinationHashes.isEmpty, !matches(o.destinationHashes, o.destination, o, algorithms) {
                    c.details.append("frame \(o.frame): the \(sender)'s NAT-D hash of the \(receiver) is not of \(o.destination) seen here: the \(sender) sees the \(receiver) at another address, so the \(receiver) is behind NAT")
                    if senderIsClient { c.serverBehindNAT = true } else { c.clientBehindNAT = true }
                }
            }
        }
        for side in [NATConclusion.Side.client, .server] where unexplained.contains(side) {
            let frames = Self.frameList(unexplainedFrames[side, default: []])
            let other: NATConclusion.Side = side == .client ? .server : .client
            if c.forcedEncapsulation.contains(other) {
                // Its partner is seen faking its hash: this peer likely does the same (one setting,
                // e.g. both strongSwan with kernel-libipsec); do not claim NAT.
                c.details.append("frame \(frames): the \(side.rawValue)'s NAT-D source hash matches no address seen here either: it likely forces encapsulation like the \(other.rawValue) (same setting on both), or is behind NAT (cannot tell from here)")
            } else if side == .client ? c.clientBehindNAT : c.serverBehindNAT {
                c.details.append("frame \(frames): the \(side.rawValue)'s NAT-D source hash does not match its address seen here either")
            } else {
                c.details.append("frame \(frames): the \(side.rawValue)'s NAT-D source hash does not match its address seen here: the \(side.rawValue) is likely behind NAT (or forces UDP encapsulation)")
                c.possiblyBehindNAT.append(side)
            }
        }
        return any ? c : nil
    }
}
