import Capture
import Decoding
import Sessions

/// Everything the analyzer derived for one session (`analyze --json --evidence`): what the rules
/// read, for a script that wants more than the findings.
public struct EvidenceReport: Codable, Sendable {
    public var ike: [IKESAReport]
    public var esp: [ESPStreamReport]
    public var gre: [GREStreamReport]
    public var pptp: PPTPReport?
    public var openvpn: [OpenVPNEvidence]?
    /// The TCP connections of IKE over TCP (RFC 8229): the handshake and who closed it.
    public var ikeTCP: [IKETCPConnection]?
    public var l2tp: L2TPReport?
    public var ppp: [PPPMessageReport]?
    public var wireguard: WireGuardEvidence?
    public var dns: [DNSQueryReport]
    public var icmpErrors: [ICMPErrorReport]
    public var echoRequests: [Int]
    public var echoReplies: [Int]
    public var nat: NATReport?
    public var startedMidSession: Bool
    public var oneSidedCapture: Bool
    public var incompleteFragmentFrames: [Int]

    init(_ s: Session) {
        self.ike = s.ike.map(IKESAReport.init)
        self.esp = s.esp.map(ESPStreamReport.init)
        self.gre = s.gre.map(GREStreamReport.init)
        self.pptp = s.pptp.map(PPTPReport.init)
        self.openvpn = s.openvpn.isEmpty ? nil : s.openvpn
        self.ikeTCP = s.ikeTCP.isEmpty ? nil : s.ikeTCP
        self.l2tp = s.l2tp.map(L2TPReport.init)
        self.ppp = s.ppp.map { $0.messages.map(PPPMessageReport.init) }
        self.wireguard = s.wireguard
        self.dns = s.dns.map(DNSQueryReport.init)
        self.icmpErrors = s.icmpErrors.map(ICMPErrorReport.init)
        self.echoRequests = s.echoRequests
        self.echoReplies = s.echoReplies
        self.nat = s.nat.map(NATReport.init)
        self.startedMidSession = s.startedMidSession
        self.oneSidedCapture = s.oneSidedCapture
        self.incompleteFragmentFrames = s.incompleteFragmentFrames
    }
}

/// One IKE SA (IKEv1 phase 1 or IKEv2 IKE SA), keyed by its SPIs, with every message.
public struct IKESAReport: Codable, Sendable {
    public struct Proposal: Codable, Sendable {
        public struct Algorithm: Codable, Sendable {
            public var kind: IKEAlgorithm.Kind
            /// The ID in the version's registry (IKEv1 attribute value, IKEv2 transform ID).
            public var id: UInt16
            public var keyLength: UInt16?
        }

        /// 1 ISAKMP/IKE, 2 AH, 3 ESP.
        public var protocolID: UInt8
        public var algorithms: [Algorithm]

        init(_ p: IKEProposalFact) {
            self.protocolID = p.protocolID
            self.algorithms = p.algorithms.map { Algorithm(kind: $0.kind, id: $0.id, keyLength: $0.keyLength) }
        }
    }

    public var version: UInt8
    public var initiatorSPI: String
    public var responderSPI: String
    public var initiator: EndpointReport
    public var responder: EndpointReport
    /// mainMode, aggressiveMode (IKEv1) or ikeSAInit (IKEv2).
    public var phase1: IKEStep.Exchange?
    public var startedMidExchange: Bool
    public var offeredProposals: [Proposal]
    public var chosenProposal: Proposal?
    public var vendorIDs: [String]
    public var microsoftClient: Bool
    public var natD: [NATDReport]
    public var natTFloatFrame: Int?
    public var keGroupsOffered: [UInt16]
    public var messages: [IKEMessageReport]

    init(_ sa: IKESA) {
        self.version = sa.version
        self.initiatorSPI = HexIdentifier.text(sa.initiatorSPI)
        self.responderSPI = HexIdentifier.text(sa.responderSPI)
        self.initiator = EndpointReport(sa.initiator)
        self.responder = EndpointReport(sa.responder)
        self.phase1 = sa.phase1
        self.startedMidExchange = sa.startedMidExchange
        self.offeredProposals = sa.offeredProposals.map(Proposal.init)
        self.chosenProposal = sa.chosenProposal.map(Proposal.init)
        self.vendorIDs = sa.vendorIDs
        self.microsoftClient = sa.microsoftClient
        self.natD = sa.natD.map(NATDReport.init)
        self.natTFloatFrame = sa.natTFloatFrame
        self.keGroupsOffered = sa.keGroupsOffered
        self.messages = sa.messages.map { IKEMessageReport($0, version: sa.version) }
    }
}

/// One IKE message of an SA.
public struct IKEMessageReport: Codable, Sendable {
    public struct Notify: Codable, Sendable {
        public var value: UInt16
        /// The registry name for the SA's IKE version.
        public var name: String
    }

    /// The message's place in its exchange ("MM5 of 6" is mainMode, 5, false).
    public struct Step: Codable, Sendable {
        public var exchange: IKEStep.Exchange
        /// 1-based position for IKEv1 Main/Aggressive/Quick Mode, 0 otherwise.
        public var index: Int
        public var isResponse: Bool
    }

    /// RFC 7383 fragment number and total.
    public struct Fragment: Codable, Sendable {
        public var number: Int
        public var total: Int
    }

    public var frame: Int
    public var time: Double
    public var fromInitiator: Bool
    public var source: EndpointReport
    public var destination: EndpointReport
    public var exchange: IKEExchange
    public var messageID: UInt32
    public var step: Step
    public var length: Int
    public var encrypted: Bool
    public var notifies: [Notify]
    public var retransmissionOf: Int?
    public var ipFragments: [Int]
    public var fragment: Fragment?
    public var onNATTPort: Bool
    public var requestedGroup: UInt16?

    init(_ m: IKEMessageRecord, version: UInt8) {
        self.frame = m.frame
        self.time = m.time
        self.fromInitiator = m.fromInitiator
        self.source = EndpointReport(m.source)
        self.destination = EndpointReport(m.destination)
        self.exchange = m.exchange
        self.messageID = m.messageID
        self.step = Step(exchange: m.step.exchange, index: m.step.index, isResponse: m.step.isResponse)
        self.length = m.length
        self.encrypted = m.encrypted
        self.notifies = m.notifies.map { Notify(value: $0.rawValue, name: $0.name(version: version)) }
        self.retransmissionOf = m.retransmissionOf
        self.ipFragments = m.ipFragments
        self.fragment = m.fragment.map { Fragment(number: $0.number, total: $0.total) }
        self.onNATTPort = m.onNATTPort
        self.requestedGroup = m.requestedGroup
    }
}

/// The NAT-D payloads of one IKE message; hashes as lower-case hex.
public struct NATDReport: Codable, Sendable {
    public var frame: Int
    public var version: UInt8
    public var fromInitiator: Bool
    public var source: EndpointReport
    public var destination: EndpointReport
    public var initiatorSPI: String
    public var responderSPI: String
    public var sourceHashes: [String]
    public var destinationHashes: [String]
    public var ttl: UInt8

    init(_ o: NATDObservation) {
        self.frame = o.frame
        self.version = o.version
        self.fromInitiator = o.fromInitiator
        self.source = EndpointReport(o.source)
        self.destination = EndpointReport(o.destination)
        self.initiatorSPI = HexIdentifier.text(o.initiatorSPI)
        self.responderSPI = HexIdentifier.text(o.responderSPI)
        self.sourceHashes = o.sourceHashes.map(Self.hex)
        self.destinationHashes = o.destinationHashes.map(Self.hex)
        self.ttl = o.ttl
    }

    static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }
}

/// ESP (or AH) in one direction under one SPI.
public struct ESPStreamReport: Codable, Sendable {
    public var source: IPAddress
    public var destination: IPAddress
    /// "0x" and 8 hex digits, as Wireshark shows it.
    public var spi: String
    public var udpEncapsulated: Bool
    public var isAH: Bool
    public var traffic: TrafficReport
    public var firstSequence: UInt32
    public var highestSequence: UInt32
    public var missing: Int
    public var gaps: Int
    public var reordered: Int
    public var firstGapFrame: Int?

    init(_ e: ESPStream) {
        self.source = e.source
        self.destination = e.destination
        self.spi = HexIdentifier.text(UInt64(e.spi), digits: 8)
        self.udpEncapsulated = e.udpEncapsulated
        self.isAH = e.isAH
        self.traffic = TrafficReport(e.traffic)
        self.firstSequence = e.firstSequence
        self.highestSequence = e.highestSequence
        self.missing = e.missing
        self.gaps = e.gaps
        self.reordered = e.reordered
        self.firstGapFrame = e.firstGapFrame
    }
}

/// GRE in one direction for one call ID.
public struct GREStreamReport: Codable, Sendable {
    public var source: IPAddress
    public var destination: IPAddress
    public var version: UInt8
    public var callID: UInt16
    public var traffic: TrafficReport
    public var userDataPackets: Int
    public var firstUserDataFrame: Int?

    init(_ g: GREStream) {
        self.source = g.source
        self.destination = g.destination
        self.version = g.version
        self.callID = g.callID
        self.traffic = TrafficReport(g.traffic)
        self.userDataPackets = g.userData
        self.firstUserDataFrame = g.firstUserDataFrame
    }
}

/// The PPTP control connection (TCP 1723) and its messages.
public struct PPTPReport: Codable, Sendable {
    public var client: EndpointReport
    public var server: EndpointReport
    public var synFrames: [Int]
    public var synAckFrames: [Int]
    public var resetFrames: [Int]
    public var resetFromServer: Bool
    public var finFrames: [Int]
    public var finFromServer: Bool
    public var messages: [Message]

    /// One control message (Start-Control-Connection, Outgoing-Call…).
    public struct Message: Codable, Sendable {
        public var frame: Int
        public var time: Double
        public var fromClient: Bool
        public var type: PPTPControlType
        public var callID: UInt16?
        public var peerCallID: UInt16?
        public var resultCode: UInt8?
        public var errorCode: UInt8?
        public var resultText: String?
    }

    init(_ p: PPTPControlEvidence) {
        self.client = EndpointReport(p.client)
        self.server = EndpointReport(p.server)
        self.synFrames = p.synFrames
        self.synAckFrames = p.synAckFrames
        self.resetFrames = p.resetFrames
        self.resetFromServer = p.resetFromServer
        self.finFrames = p.finFrames
        self.finFromServer = p.finFromServer
        self.messages = p.messages.map {
            Message(frame: $0.frame, time: $0.time, fromClient: $0.fromClient, type: $0.type, callID: $0.callID,
                    peerCallID: $0.peerCallID, resultCode: $0.resultCode, errorCode: $0.errorCode, resultText: $0.resultText)
        }
    }
}

/// The L2TP tunnel, its control messages and data counts.
public struct L2TPReport: Codable, Sendable {
    public var client: EndpointReport
    public var server: EndpointReport
    public var messages: [Message]
    public var dataFromClient: Int
    public var dataFromServer: Int

    /// One control message; `type` absent for a ZLB acknowledgement.
    public struct Message: Codable, Sendable {
        public var frame: Int
        public var time: Double
        public var fromClient: Bool
        public var tunnelID: UInt16
        public var sessionID: UInt16
        public var ns: UInt16
        public var nr: UInt16
        public var type: L2TPMessageType?
        public var resultCode: UInt16?
        public var errorCode: UInt16?
        public var resultText: String?
        public var retransmissionOf: Int?
    }

    init(_ l: L2TPEvidence) {
        self.client = EndpointReport(l.client)
        self.server = EndpointReport(l.server)
        self.messages = l.messages.map {
            Message(frame: $0.frame, time: $0.time, fromClient: $0.fromClient, tunnelID: $0.tunnelID, sessionID: $0.sessionID,
                    ns: $0.ns, nr: $0.nr, type: $0.type, resultCode: $0.resultCode, errorCode: $0.errorCode,
                    resultText: $0.resultText, retransmissionOf: $0.retransmissionOf)
        }
        self.dataFromClient = l.dataFromClient
        self.dataFromServer = l.dataFromServer
    }
}

/// One PPP control packet (LCP, PAP, CHAP, EAP, IPCP…).
public struct PPPMessageReport: Codable, Sendable {
    public var frame: Int
    public var time: Double
    public var source: IPAddress
    public var fromClient: Bool
    public var protocolNumber: PPPProtocol
    public var code: UInt8
    public var identifier: UInt8
    public var authProtocol: PPPProtocol?
    public var message: String?
    public var msChapError: Int?
    public var retransmissionOf: Int?

    init(_ m: PPPMessageRecord) {
        self.frame = m.frame
        self.time = m.time
        self.source = m.source
        self.fromClient = m.fromClient
        self.protocolNumber = m.protocolNumber
        self.code = m.code
        self.identifier = m.identifier
        self.authProtocol = m.authProtocol
        self.message = m.message
        self.msChapError = m.msChapError
        self.retransmissionOf = m.retransmissionOf
    }
}

/// A DNS query and its outcome.
public struct DNSQueryReport: Codable, Sendable {
    public var name: String
    public var queryType: DNSType
    public var client: IPAddress
    public var resolver: IPAddress
    public var queryFrames: [Int]
    public var time: Double
    public var responseFrame: Int?
    public var rcode: UInt8?
    public var answers: [IPAddress]
    /// "no response", the rcode's name, "no address in the answer", or the addresses.
    public var outcome: String

    init(_ q: DNSQueryRecord) {
        self.name = q.name
        self.queryType = DNSType(rawValue: q.queryType)
        self.client = q.client
        self.resolver = q.resolver
        self.queryFrames = q.queryFrames
        self.time = q.time
        self.responseFrame = q.responseFrame
        self.rcode = q.rcode
        self.answers = q.answers
        self.outcome = q.outcome
    }
}

/// An ICMP error about a VPN packet: who sent it and what it quotes.
public struct ICMPErrorReport: Codable, Sendable {
    public var frame: Int
    public var time: Double
    public var reporter: IPAddress
    public var isV6: Bool
    public var type: UInt8
    public var code: UInt8
    public var meaning: String
    public var quotedWhat: String
    public var quotedSource: IPAddress
    public var quotedDestination: IPAddress
    public var quotedProtocol: IPProtocol
    public var quotedSourcePort: UInt16
    public var quotedDestinationPort: UInt16
    /// "0x" and 8 hex digits, when the quoted packet is ESP.
    public var quotedSPI: String?
    public var mtu: Int?
    public var stage: Stage?

    init(_ r: ICMPErrorRecord) {
        self.frame = r.frame
        self.time = r.time
        self.reporter = r.reporter
        self.isV6 = r.isV6
        self.type = r.type
        self.code = r.code
        self.meaning = r.meaning
        self.quotedWhat = r.quotedWhat
        self.quotedSource = r.quotedSource
        self.quotedDestination = r.quotedDestination
        self.quotedProtocol = r.quotedProtocol
        self.quotedSourcePort = r.quotedSourcePort
        self.quotedDestinationPort = r.quotedDestinationPort
        self.quotedSPI = r.quotedSPI.map { HexIdentifier.text(UInt64($0), digits: 8) }
        self.mtu = r.mtu
        self.stage = r.stage
    }
}

/// NAT between the peers, as the NAT-D hashes show it.
public struct NATReport: Codable, Sendable {
    public var clientBehindNAT: Bool
    public var serverBehindNAT: Bool
    public var possiblyBehindNAT: [NATConclusion.Side]
    public var forcedEncapsulation: [NATConclusion.Side]
    public var privateAddresses: [String]
    public var frames: [Int]
    public var details: [String]
    public var confidence: String

    init(_ n: NATConclusion) {
        self.clientBehindNAT = n.clientBehindNAT
        self.serverBehindNAT = n.serverBehindNAT
        self.possiblyBehindNAT = n.possiblyBehindNAT
        self.forcedEncapsulation = n.forcedEncapsulation
        self.privateAddresses = n.privateAddresses
        self.frames = n.frames
        self.details = n.details
        self.confidence = n.confidence
    }
}
