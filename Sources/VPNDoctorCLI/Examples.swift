/// The "Examples:" paragraph of each subcommand's `--help` (and of the man page made from it).
enum Examples {
    static func paragraph(_ lines: [(String, String)]) -> String {
        "Examples:\n" + lines.map { "  \($0.0)\n      \($0.1)" }.joined(separator: "\n")
    }

    static let analyze = paragraph([
        ("vpndoctor analyze client.pcap", "What went wrong in this capture, stage by stage."),
        ("vpndoctor analyze --server 203.0.113.5 --html report.html client.pcapng",
         "Only the VPN server's traffic; also a page with ladder diagrams to attach to a ticket."),
        ("vpndoctor analyze -q *.pcap", "Only each session's verdict and its errors and warnings."),
        ("vpndoctor analyze --json --evidence client.pcap | jq .reports[0].verdict", "For scripts (Schemas/report-v2.schema.json)."),
    ])
    static let packets = paragraph([
        ("vpndoctor packets client.pcap", "One line per packet with its VPN meaning (\"MM3 of 6\", \"SCCRQ\")."),
        ("vpndoctor packets --json --filter 'udp port 500' client.pcap", "One JSON object per packet, IKE only."),
    ])
    static let watch = paragraph([
        ("sudo vpndoctor watch -i eth0 --server 203.0.113.5", "Watch a connection attempt live; Ctrl-C prints the report."),
        ("sudo vpndoctor watch -i eth0 --duration 2m --write attempt.pcap --html attempt.html",
         "Two minutes, keeping the packets and an HTML report."),
    ])
    static let interfaces = paragraph([("vpndoctor interfaces", "Names to give 'watch -i'."), ("vpndoctor interfaces --json", "The same as JSON.")])
    static let rules = paragraph([("vpndoctor rules", "Every rule id, its severity and title."), ("vpndoctor rules --json", "The same as JSON.")])
    static let explain = paragraph([("vpndoctor explain ike.no-response", "What the finding means and what to change.")])
    static let captureFilter = paragraph([
        ("sudo tcpdump -i eth0 -w attempt.pcap \"$(vpndoctor capture-filter --server 203.0.113.5)\"",
         "Capture what vpndoctor needs with tcpdump (or paste the filter into Wireshark's capture filter)."),
    ])
}
