/// Every loop in the decoders has a named ceiling, so no byte sequence can make one run long.
/// Tests refer to these constants by name.
public struct DecodeLimits: Sendable {
    /// Layers in one packet, tunnels included (Ethernet/VLAN/IP/GRE/PPP/IP/UDP/… rarely exceeds 12).
    public var maxLayers = 24
    /// Stacked 802.1Q / 802.1ad tags.
    public var maxVLANTags = 4
    /// IPv6 extension headers before the upper-layer header.
    public var maxIPv6ExtensionHeaders = 8
    /// Payloads in one IKE message (v1 or v2).
    public var maxIKEPayloads = 64
    /// Proposals in one SA payload, transforms in one proposal, attributes in one transform.
    public var maxIKEProposals = 64
    public var maxIKETransforms = 64
    public var maxIKEAttributes = 64
    /// SPIs in one IKE delete payload, traffic selectors in one TS payload.
    public var maxIKEDeleteSPIs = 256
    public var maxIKETrafficSelectors = 64
    /// AVPs in one L2TP control message.
    public var maxL2TPAVPs = 128
    /// Options in one PPP configure packet.
    public var maxPPPOptions = 64
    /// Resource records per DNS section, and compression pointers followed in one name.
    public var maxDNSRecords = 64
    public var maxDNSPointerHops = 16
    /// PPTP control messages found in one TCP segment.
    public var maxPPTPMessagesPerSegment = 32
    /// OpenVPN packets found in one TCP segment (bulk data: many small packets per segment).
    public var maxOpenVPNPacketsPerSegment = 512
    /// IKE messages and ESP packets found in one TCP segment of an RFC 8229 stream (ESP is bulk data).
    public var maxTCPEncapsulatedPerSegment = 512
    /// Tunnel nesting (IP in GRE in IP…): a packet that tunnels deeper stops with `.limitExceeded`.
    public var maxTunnelDepth = 3
    /// RFC 1701 source route entries in one GRE header.
    public var maxGRERoutingEntries = 16
    /// `TCPStreams`: bytes buffered per direction, and directions tracked at once.
    public var maxTCPStreamBytes = 64 * 1024
    public var maxTCPStreams = 1024

    public init() {}
    public static let standard = DecodeLimits()
}
