import Foundation

/// The reports of an `analyze --json` document (`{"reports": [...], "schemaVersion": 2}`), as
/// JSONSerialization objects; empty when `json` is not such a document.
public func analyzeReports(_ json: some StringProtocol) -> [[String: Any]] {
    let document = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
    return document?["reports"] as? [[String: Any]] ?? []
}
