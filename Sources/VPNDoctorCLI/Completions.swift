import ArgumentParser
import Capture

/// What the shell completes (`vpndoctor --generate-completion-script bash|zsh|fish`): rule ids,
/// interface names, capture files.
enum Completions {
    /// Rule ids starting with what is typed (`explain`, `--ignore`).
    static let ruleIDs = CompletionKind.custom { _, _, prefix in Suggestion.ruleIDs.filter { $0.hasPrefix(prefix) } }

    /// The interfaces libpcap can open (`watch -i`); none when listing them fails.
    static let interfaces = CompletionKind.custom { _, _, prefix in
        ((try? CaptureInterface.all()) ?? []).map(\.name).filter { $0.hasPrefix(prefix) }
    }

    /// Capture files by their usual extensions (gzip-compressed ones too).
    static let captures = CompletionKind.file(extensions: ["pcap", "pcapng", "cap", "dmp", "gz"])
}
