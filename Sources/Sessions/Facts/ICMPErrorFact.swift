import Decoding

/// An ICMP or ICMPv6 error and the header it quotes (RFC 792, RFC 4443): what packet it refers to.
public struct ICMPErrorFact: Hashable, Sendable, Codable {
    public var isV6: Bool
    public var type: UInt8
    public var code: UInt8
    /// The quoted packet: as *sent* by the host receiving this error.
    public var quotedSource: IPAddress
    public var quotedDestination: IPAddress
    public var quotedProtocol: IPProtocol
    public var quotedSourcePort: UInt16
    public var quotedDestinationPort: UInt16
    /// Quoted ESP SPI, when the quoted packet is ESP.
    public var quotedSPI: UInt32?
    /// Next-hop MTU of "fragmentation needed" / "packet too big".
    public var mtu: Int?
    public init(isV6: Bool = false, type: UInt8, code: UInt8, quotedSource: IPAddress, quotedDestination: IPAddress,
                quotedProtocol: IPProtocol, quotedSourcePort: UInt16 = 0, quotedDestinationPort: UInt16 = 0,
                quotedSPI: UInt32? = nil, mtu: Int? = nil) {
        self.isV6 = isV6
        self.type = type
        self.code = code
        self.quotedSource = quotedSource
        self.quotedDestination = quotedDestination
        self.quotedProtocol = quotedProtocol
        self.quotedSourcePort = quotedSourcePort
        self.quotedDestinationPort = quotedDestinationPort
        self.quotedSPI = quotedSPI
        self.mtu = mtu
    }

    /// The registry entry of the quoted packet, by its IP protocol and ports.
    public var quotedEntry: ProtocolRegistry.Entry? {
        ProtocolRegistry.entry(self.quotedProtocol, self.quotedSourcePort, self.quotedDestinationPort)
    }

    public var isPortUnreachable: Bool { self.isV6 ? (self.type == 1 && self.code == 4) : (self.type == 3 && self.code == 3) }
    public var isProtocolUnreachable: Bool { !self.isV6 && self.type == 3 && self.code == 2 }
    public var isFragmentationNeeded: Bool { self.isV6 ? self.type == 2 : (self.type == 3 && self.code == 4) }
    public var isAdministrativelyProhibited: Bool {
        self.isV6 ? (self.type == 1 && self.code == 1) : (self.type == 3 && (self.code == 9 || self.code == 10 || self.code == 13))
    }

    public var meaning: String {
        if self.isPortUnreachable { return "port unreachable" }
        if self.isProtocolUnreachable { return "protocol unreachable" }
        if self.isFragmentationNeeded { return self.mtu.map { "fragmentation needed (next-hop MTU \($0))" } ?? "fragmentation needed" }
        if self.isAdministrativelyProhibited { return "administratively prohibited" }
        if !self.isV6, self.type == 3 { return [0: "network unreachable", 1: "host unreachable"][self.code] ?? "destination unreachable (code \(self.code))" }
        if !self.isV6, self.type == 11 { return "time exceeded" }
        return "ICMP\(self.isV6 ? "v6" : "") type \(self.type) code \(self.code)"
    }
}
