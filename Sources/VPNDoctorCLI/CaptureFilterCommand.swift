import ArgumentParser
import Decoding

/// `vpndoctor capture-filter`: the BPF filter `watch` captures with, for people who capture with
/// tcpdump or Wireshark and analyze afterwards. A hand-written `udp port 500 or udp port 4500`
/// drops plain ESP (IP protocol 50), and a healthy IKEv1 attempt then reads "no ESP".
struct CaptureFilterCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "capture-filter",
        abstract: "Print the BPF capture filter 'watch' uses (IKE, NAT-T, ESP, AH, L2TP, PPTP, GRE, ICMP, DNS), for tcpdump or Wireshark.",
        discussion: Examples.captureFilter)

    @Option(name: .long, help: ArgumentHelp("Only traffic to or from this VPN server.", valueName: "ip"))
    var server: String?

    func validate() throws {
        if let server = self.server, IPAddress(server) == nil {
            throw ValidationError("--server '\(server)' is not an IPv4 or IPv6 address")
        }
    }

    func run() throws {
        print(WatchCommand.vpnFilter(server: self.server.flatMap(IPAddress.init)))
    }
}
