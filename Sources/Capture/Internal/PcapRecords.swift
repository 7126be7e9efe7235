/// Classic pcap: a 24-byte file header, then records of a 16-byte header and the frame
/// (https://www.ietf.org/archive/id/draft-ietf-opsawg-pcap-04.html). Either byte order; the
/// microsecond, nanosecond and Kuznetzov (24-byte record header) magics.
final class PcapRecords: RecordReader {
    static let magics: [UInt32: (tick: Int64, recordHeader: Int)] = [
        0xA1B2_C3D4: (1000, 16), 0xA1B2_3C4D: (1, 16), 0xA1B2_CD34: (1000, 24),
    ]

    let linkType: LinkType
    let format: PcapFile.Format
    private let order: FileByteOrder
    private let tick: Int64
    private let recordHeader: Int

    /// Reads the file header (its first four bytes were recognised as a pcap magic).
    init(_ input: CaptureBytes) throws(Damage) {
        guard case .success(let header) = try input.read(24, what: "the file header") else {
            throw Damage(.truncatedHeader, "capture file is truncated: its 24-byte header is incomplete")
        }
        let raw = header.loadUnaligned(as: UInt32.self)
        let swapped = Self.magics[raw] == nil
        let kind = Self.magics[swapped ? raw.byteSwapped : raw]!
        self.order = FileByteOrder(swapped: swapped)
        (self.tick, self.recordHeader) = kind
        self.format = kind.tick == 1 ? .pcapNanosecond : .pcap
        // The upper bits carry the FCS length (LINKTYPE_FCS_LENGTH); the type is the low 26.
        self.linkType = LinkType(fileValue: self.order.u32(header, 20) & 0x03FF_FFFF)
    }

    func next(_ input: CaptureBytes) throws(Damage) -> NextRecord {
        let header: UnsafeRawBufferPointer
        switch try input.read(self.recordHeader, what: "a record header") {
        case .success(let bytes): header = bytes
        case .failure(let cut): return cut.isCleanEnd ? .end : .cutShort(cut.detail)
        }
        let seconds = Int64(self.order.u32(header, 0))
        let subsecond = Int64(self.order.u32(header, 4)) &* self.tick
        let captured = Int(self.order.u32(header, 8))
        let original = Int(self.order.u32(header, 12))
        guard captured <= RecordLimits.maxCapturedLength else {
            throw Damage("a record claims \(captured) captured bytes, more than the \(RecordLimits.maxCapturedLength) any capture holds")
        }
        switch try input.read(captured, what: "a \(captured)-byte frame") {
        case .success(let bytes):
            return .record(Record(timestamp: Timestamp(seconds: seconds, subsecondNanoseconds: subsecond),
                                  capturedLength: captured, originalLength: original, linkType: self.linkType, bytes: bytes))
        case .failure(let cut):
            return .cutShort(cut.detail)
        }
    }
}
