/// Every tracker, once. Adding a VPN protocol: its tracker file under `Trackers/`, one stored
/// property and one line in `each` here (the way `Rules/All.swift` lists rules).
///
/// Concrete stored properties, not an array of existentials: the analyzer reaches the few it must
/// name (IKE and ESP make the attempts, `Attempts`) without a cast, and `each` calls every
/// tracker's own methods.
struct Trackers {
    var ike: IKETracker
    var esp: ESPTracker
    var gre: GRETracker
    var pptp: PPTPTracker
    var l2tp: L2TPTracker
    var ppp: PPPTracker
    var wireguard: WireGuardTracker
    var openvpn: OpenVPNTracker
    var ikeTCP: IKETCPTracker
    var otherVPNs: OtherVPNTracker
    var dns: DNSTracker
    var icmp: ICMPTracker
    var fragments: FragmentTracker

    init(limits: AnalysisLimits) {
        self.ike = .init(limits: limits)
        self.esp = .init(limits: limits)
        self.gre = .init(limits: limits)
        self.pptp = .init(limits: limits)
        self.l2tp = .init(limits: limits)
        self.ppp = .init(limits: limits)
        self.wireguard = .init(limits: limits)
        self.openvpn = .init(limits: limits)
        self.ikeTCP = .init(limits: limits)
        self.otherVPNs = .init(limits: limits)
        self.dns = .init(limits: limits)
        self.icmp = .init(limits: limits)
        self.fragments = .init(limits: limits)
    }

    /// `visitor` on each tracker, in this order (the order evidence is recorded and filled in).
    @inline(__always)
    mutating func each<V: TrackerVisitor>(_ visitor: inout V) {
        visitor.visit(&self.ike)
        visitor.visit(&self.esp)
        visitor.visit(&self.gre)
        visitor.visit(&self.pptp)
        visitor.visit(&self.l2tp)
        visitor.visit(&self.ppp)
        visitor.visit(&self.wireguard)
        visitor.visit(&self.openvpn)
        visitor.visit(&self.ikeTCP)
        visitor.visit(&self.otherVPNs)
        visitor.visit(&self.dns)
        visitor.visit(&self.icmp)
        visitor.visit(&self.fragments)
    }
}
