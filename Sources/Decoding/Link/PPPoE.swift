/// PPPoE session header — RFC 2516 §4 (EtherType 0x8864, or DLT_PPP_ETHER without Ethernet).
/// A PPP protocol field (no FF 03) follows; the reader is limited to the declared length.
public struct PPPoESession: Hashable, Sendable, Codable {
    /// Version (high nibble) and type (low nibble): both 1 for RFC 2516.
    public var version: UInt8
    public var type: UInt8
    /// 0x00 for session data.
    public var code: UInt8
    public var sessionID: UInt16
    /// Length of the PPP payload, protocol field included.
    public var length: Int

    public init(from r: inout ByteReader) throws(DecodeError) {
        r.layer = .pppoe
        let start = r.offset
        let versionType = try r.read(UInt8.self)
        self.version = versionType >> 4
        self.type = versionType & 0x0F
        guard self.version == 1, self.type == 1 else {
            throw DecodeError(.badVersion, layer: .pppoe, offset: start, detail: "PPPoE version/type is not 1/1")
        }
        self.code = try r.read()
        self.sessionID = try r.read()
        self.length = Int(try r.read(UInt16.self))
        r.limit(to: self.length, source: .pppoeLength)
    }

    public var summary: String { "PPPoE session 0x\(String(self.sessionID, radix: 16)) len=\(self.length)" }
}
