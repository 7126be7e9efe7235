import ArgumentParser
import Capture
import Foundation
import Reporting

/// `vpndoctor interfaces`: what `watch --interface` can capture on.
struct InterfacesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "interfaces",
        abstract: "List the network interfaces vpndoctor can watch, with their addresses.",
        discussion: Examples.interfaces)

    @Flag(name: .long, help: "Print JSON instead of text.")
    var json = false

    func run() throws {
        let interfaces: [CaptureInterface]
        do {
            interfaces = try CaptureInterface.all()
        } catch {
            printError(error.description)
            throw ExitCode(ExitStatus.usageOrInput)
        }
        if self.json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(interfaces), as: UTF8.self))
            return
        }
        let width = interfaces.map(\.name.count).max() ?? 0
        for interface in interfaces {
            var flags: [String] = []
            flags.append(interface.isUp ? "up" : "down")
            if interface.isLoopback { flags.append("loopback") }
            let name = interface.name.padding(toLength: width, withPad: " ", startingAt: 0)
            let addresses = interface.addresses.isEmpty ? "" : "  " + interface.addresses.joined(separator: ", ")
            print(TerminalText.escape("\(name)  [\(flags.joined(separator: ","))]\(addresses)"))
        }
    }
}
