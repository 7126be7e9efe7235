/// A rule of the two-vantage join: its findings come from `JointFindings`, which reads a joint
/// session (where each packet was seen), not one capture's analysis. Listed in `allJointRules`, so
/// `vpndoctor rules`, `explain`, `--ignore`, the completions and "did you mean" know them.
public protocol JointRule: DescribedRule {}

struct JointFragmentsLost: JointRule {
    static let id: RuleID = "vantage.fragments-lost"
    static let title = "A message left one vantage point as IP fragments and only the first fragment reached the next"
    static let severity = Severity.error
    static let explanation = """
        Seen from two places on the path, the same IKE message leaves the sender as several IP fragments, \
        and the next capture holds only the first: a device between the two drops IP fragments after the \
        first (many firewalls, NAT routers and cloud load balancers do). The capture at the receiving end \
        alone would only show a message that never completes.
        """
    static let advice = [
        "Enable IKE fragmentation (RFC 7383; strongSwan fragmentation = yes) on both peers, so no IKE message relies on IP fragments.",
        "Or let IP fragments through the device between the two vantage points, or shrink the message (fewer certificates, smaller keys).",
    ]
}

struct JointLostClientToServer: JointRule {
    static let id: RuleID = "vantage.lost-client-to-server"
    static let title = "Packets left the client's side and never reached the server's"
    static let severity = Severity.error
    static let explanation = """
        Packets the client sent are in the capture nearer the client and missing from the next capture \
        towards the server, which was running at the time: they died between the two points. What else \
        from the client did arrive says what the path drops (a port, a protocol such as ESP or GRE).
        """
    static let advice = [
        "Look at the devices between the two vantage points (firewalls, NAT routers, security groups) and let that traffic through towards the server.",
    ]
}

struct JointLostServerToClient: JointRule {
    static let id: RuleID = "vantage.lost-server-to-client"
    static let title = "The server's answers left it and never reached the client's side"
    static let severity = Severity.error
    static let explanation = """
        The server answered: its answers are in the capture nearer the server and missing from the next \
        capture towards the client, which was running at the time. From the client's capture alone this \
        looks like a server that does not answer; the return path drops it.
        """
    static let advice = [
        "Look at the return path between the two vantage points: the client's NAT router (NAT-T or IPsec passthrough) and stateful firewalls.",
    ]
}

struct JointStoppedAtServer: JointRule {
    static let id: RuleID = "vantage.stopped-at-server"
    static let title = "Nothing was lost on the way: the server refused or did not answer"
    static let severity = Severity.info
    static let explanation = """
        Every packet seen at one vantage point reached the next: the network delivered the attempt. The \
        server refused it (a refusing notify, a delete, an alert, a reset) or received it and did not \
        answer; each capture's own findings say at which stage.
        """
    static let advice = ["Look at the server: its log for this attempt and its configuration (the findings of its capture say which stage)."]
}

struct JointStoppedAtClient: JointRule {
    static let id: RuleID = "vantage.stopped-at-client"
    static let title = "Nothing was lost on the way: the client gave up on the server's answer"
    static let severity = Severity.info
    static let explanation = """
        Every packet reached the other side, and the server's answers reached the client. The client then \
        stopped: it sent the refusal (an IKE Informational or delete, a TLS alert) or started over with \
        new identifiers instead of going on: it did not accept what the server offered (certificate, \
        identity, proposal, traffic selectors).
        """
    static let advice = ["Look at the client: its log for this attempt (certificate, identity or proposal it did not accept)."]
}
