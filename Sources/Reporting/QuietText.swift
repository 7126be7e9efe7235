extension TextRenderer {
    /// `-q`: for each session its verdict line, then its error and warning findings one line each
    /// (no ladder, evidence, advice or info findings) — what a script or a quick look wants.
    public static func renderQuiet(_ reports: [Report], color: Bool) -> String {
        let renderer = Renderer(color: color, verbose: false)
        var out: [String] = []
        for r in reports {
            let prefix = renderer.safe(r.capture.file) + ": "
            if r.sessions.isEmpty {
                out.append(prefix + renderer.paint(r.verdict == .failed ? "FAILED before any VPN session started" : "INCOMPLETE — no VPN session in the capture",
                                                   r.verdict == .failed ? .red : .yellow))
            }
            for s in r.sessions {
                let style: Renderer.Style = s.verdict == .connected ? .green : s.verdict == .failed ? .red : .yellow
                out.append(prefix + "session \(s.id): " + renderer.paint(s.verdictLine, style))
            }
            for f in r.findings where f.severity != .info {
                out.append(renderer.finding(f)[0])
            }
        }
        return out.map { $0 + "\n" }.joined()
    }
}
