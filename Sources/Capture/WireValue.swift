/// A number read off the wire whose meaning is assigned by a registry (IANA, an RFC).
///
/// Wire values are *open*: any number is representable, known ones have names, and an unknown one
/// prints as `unknown(N)`. JSON carries both: `{"value": 34, "name": "IKE_SA_INIT"}`.
public protocol WireValue: RawRepresentable, Hashable, Sendable, CustomStringConvertible, Codable
where RawValue: FixedWidthInteger & Codable & Sendable {
    init(rawValue: RawValue)
    /// Names of the known values. Looked up only when printing, never on the hot path.
    static var names: [RawValue: String] { get }
}

extension WireValue {
    /// The registry name, or nil when the value is not one we know.
    public var name: String? { Self.names[self.rawValue] }

    public var description: String { self.name ?? "unknown(\(self.rawValue))" }

    public init(_ rawValue: RawValue) { self.init(rawValue: rawValue) }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: WireValueCodingKeys.self)
        self.init(rawValue: try container.decode(RawValue.self, forKey: .value))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: WireValueCodingKeys.self)
        try container.encode(self.rawValue, forKey: .value)
        try container.encode(self.description, forKey: .name)
    }
}

public enum WireValueCodingKeys: String, CodingKey { case value, name }
