/// A message's place in its exchange ("MM3 of 6", "IKE_AUTH request").
public struct IKEStep: Hashable, Sendable, Codable, CustomStringConvertible {
    public enum Exchange: String, Hashable, Sendable, Codable {
        case mainMode, aggressiveMode, quickMode, informationalV1, transaction
        case ikeSAInit, ikeAuth, createChildSA, informational, other
    }
    public var exchange: Exchange
    /// 1-based position for IKEv1 Main/Aggressive/Quick Mode; 0 otherwise.
    public var index: Int
    public var isResponse: Bool

    public init(_ exchange: Exchange, index: Int = 0, isResponse: Bool = false) {
        self.exchange = exchange
        self.index = index
        self.isResponse = isResponse
    }

    /// Messages in the exchange (6 for Main Mode, 3 for Aggressive and Quick Mode, 2 for IKEv2).
    public var total: Int {
        switch self.exchange {
        case .mainMode: 6
        case .aggressiveMode, .quickMode: 3
        case .ikeSAInit, .ikeAuth, .createChildSA, .informational: 2
        default: 1
        }
    }

    /// "MM4", "QM1", "IKE_AUTH request": the description without "of N".
    public var shortName: String {
        switch self.exchange {
        case .mainMode: "MM\(self.index)"
        case .aggressiveMode: "AM\(self.index)"
        case .quickMode: "QM\(self.index)"
        default: self.description
        }
    }

    public var description: String {
        switch self.exchange {
        case .mainMode: "MM\(self.index) of 6"
        case .aggressiveMode: "AM\(self.index) of 3"
        case .quickMode: "QM\(self.index) of 3"
        case .informationalV1: "Informational"
        case .transaction: "Transaction (Mode Config/XAUTH)"
        case .ikeSAInit: "IKE_SA_INIT \(self.isResponse ? "response" : "request")"
        case .ikeAuth: "IKE_AUTH \(self.isResponse ? "response" : "request")"
        case .createChildSA: "CREATE_CHILD_SA \(self.isResponse ? "response" : "request")"
        case .informational: "INFORMATIONAL \(self.isResponse ? "response" : "request")"
        case .other: "other"
        }
    }
}
