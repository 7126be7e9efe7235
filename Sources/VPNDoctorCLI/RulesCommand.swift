import ArgumentParser
import Diagnosis
import Foundation

/// `vpndoctor rules`: every diagnosis rule, one line each.
struct RulesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rules", abstract: "List the diagnosis rules: id, severity, title.", discussion: Examples.rules)

    @Flag(name: .long, help: "Print JSON instead of text.")
    var json = false

    func run() throws {
        let rules = DiagnosisEngine.ruleInfos
        if self.json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(rules), as: UTF8.self))
            return
        }
        let width = rules.map(\.id.rawValue.count).max() ?? 0
        let severities = rules.map { ([$0.severity] + $0.lowerSeverities).map(\.rawValue).joined(separator: "/") }
        let severityWidth = severities.map(\.count).max() ?? 0
        for (rule, severity) in zip(rules, severities) {
            let id = rule.id.rawValue.padding(toLength: width, withPad: " ", startingAt: 0)
            let severity = severity.padding(toLength: severityWidth, withPad: " ", startingAt: 0)
            print("\(id)  \(severity)  \(rule.title)")
        }
    }
}

/// `vpndoctor explain RULE-ID`: what a finding means and what to do about it.
struct ExplainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain", abstract: "Explain one rule: what it means, why it happens, what to change.",
        discussion: Examples.explain)

    @Argument(help: ArgumentHelp("A rule id, as 'vpndoctor rules' lists them.", valueName: "rule-id"), completion: Completions.ruleIDs)
    var id: String

    func run() throws {
        guard let rule = DiagnosisEngine.ruleInfos.first(where: { $0.id.rawValue == self.id }) else {
            printError("no rule '\(self.id)' (see 'vpndoctor rules')." + Suggestion.hint(self.id, in: Suggestion.ruleIDs))
            throw ExitCode(ExitStatus.usageOrInput)
        }
        let severities = ([rule.severity] + rule.lowerSeverities).map(\.rawValue).joined(separator: " or ")
        print("\(rule.id.rawValue) (\(severities)): \(rule.title)\n")
        print(rule.explanation)
        if !rule.advice.isEmpty {
            print("\nWhat to do:")
            for line in rule.advice { print("  - \(line)") }
        }
    }
}
