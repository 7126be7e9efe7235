/// pcapng (https://www.ietf.org/archive/id/draft-ietf-opsawg-pcapng-02.html): blocks of
/// type, total length, body, total length again. Every section (SHB) sets its byte order and
/// starts a new list of interfaces (IDB); each interface has its own link type, snap length and
/// timestamp resolution, so a `mergecap` of captures of different links reads as it is (libpcap
/// refuses interfaces whose link type or snap length differ from the first). Packets come in
/// EPB, SPB and the obsolete OPB; other blocks are skipped. Frames are numbered in file order,
/// as Wireshark numbers them.
final class PcapngBlocks: RecordReader {
    enum BlockType {
        static let section: UInt32 = 0x0A0D_0D0A
        static let interface: UInt32 = 1
        static let obsoletePacket: UInt32 = 2
        static let simplePacket: UInt32 = 3
        static let enhancedPacket: UInt32 = 6
    }

    struct Interface {
        var linkType: LinkType
        var snaplen: Int
        /// Timestamp ticks per second (if_tsresol; microseconds by default).
        var unitsPerSecond: UInt64 = 1_000_000
        /// Seconds added to every timestamp (if_tsoffset).
        var offset: Int64 = 0
    }

    private(set) var linkType = LinkType.ethernet
    private var order = FileByteOrder(swapped: false)
    private var interfaces: [Interface] = []

    /// Reads the first section header and the blocks up to the first interface description (the
    /// first four bytes were recognised as a section header block).
    init(_ input: CaptureBytes) throws(Damage) {
        do throws(Damage) {
            guard case .success(let block) = try self.block(input) else {
                throw Damage(.truncatedHeader, "capture file is truncated: its section header block is incomplete")
            }
            guard block.type == BlockType.section else { throw Damage(.notACaptureFile, "not a pcap or pcapng capture file") }
            while self.interfaces.isEmpty {
                guard case .success(let block) = try self.block(input) else {
                    throw Damage(.truncatedHeader, "capture file is truncated: no interface is described")
                }
                if Self.isPacket(block.type) { throw Damage(.notACaptureFile, "a packet comes before any interface is described") }
                try self.note(block)
            }
        } catch {
            // Damage in the header blocks means the file is not a capture we can read.
            throw error.code == .corrupt ? Damage(.notACaptureFile, "not a pcapng capture file: \(error.message)") : error
        }
        self.linkType = self.interfaces[0].linkType
    }

    func next(_ input: CaptureBytes) throws(Damage) -> NextRecord {
        while true {
            let block: Block
            switch try self.block(input) {
            case .success(let b): block = b
            case .failure(let cut): return cut.isCleanEnd ? .end : .cutShort(cut.detail)
            }
            if Self.isPacket(block.type) { return .record(try self.packet(block)) }
            try self.note(block)
        }
    }

    private static func isPacket(_ type: UInt32) -> Bool {
        type == BlockType.enhancedPacket || type == BlockType.simplePacket || type == BlockType.obsoletePacket
    }

    /// One block's type and body (without the trailing length), lent until the next read.
    private struct Block {
        var type: UInt32
        var body: UnsafeRawBufferPointer
    }

    /// Reads one whole block. A section header sets the byte order first (its length is in it).
    private func block(_ input: CaptureBytes) throws(Damage) -> Result<Block, CutShort> {
        let head: UnsafeRawBufferPointer
        switch try input.read(8, what: "a block header") {
        case .success(let bytes): head = bytes
        case .failure(let cut): return .failure(cut)
        }
        let type = head.loadUnaligned(as: UInt32.self)  // SHB's type reads the same in both orders
        let rawLength = head.loadUnaligned(fromByteOffset: 4, as: UInt32.self)
        var typeInOrder = self.order.u32(head, 0)
        if type == BlockType.section {
            // The byte-order magic follows the length: read it before trusting the length.
            let magic: UnsafeRawBufferPointer
            switch try input.read(4, what: "a section header") {
            case .success(let bytes): magic = bytes
            case .failure(let cut): return .failure(cut)
            }
            switch magic.loadUnaligned(as: UInt32.self) {
            case 0x1A2B_3C4D: self.order = FileByteOrder(swapped: false)
            case 0x4D3C_2B1A: self.order = FileByteOrder(swapped: true)
            default: throw Damage("a section header has no byte-order magic")
            }
            typeInOrder = BlockType.section
        }
        let length = Int(self.order.swapped ? rawLength.byteSwapped : rawLength)
        let minimum = type == BlockType.section ? 28 : 12
        guard length >= minimum, length % 4 == 0, length <= RecordLimits.maxBlockLength else {
            throw Damage("a block (type \(typeInOrder)) claims a length of \(length) bytes")
        }
        let consumedHead = type == BlockType.section ? 12 : 8
        let rest: UnsafeRawBufferPointer
        switch try input.read(length - consumedHead, what: "a \(length)-byte block") {
        case .success(let bytes): rest = bytes
        case .failure(var cut):
            cut.available += consumedHead  // the block started before its header
            return .failure(cut)
        }
        guard self.order.u32(rest, rest.count - 4) == UInt32(length) else {
            throw Damage("a block (type \(typeInOrder)) ends with a length other than its own")
        }
        if type == BlockType.section {
            self.interfaces.removeAll()
            guard self.order.u16(rest, 0) == 1 else { throw Damage(.unsupported, "pcapng major version \(self.order.u16(rest, 0)) is not 1") }
        }
        return .success(Block(type: typeInOrder, body: UnsafeRawBufferPointer(rebasing: rest[0 ..< rest.count - 4])))
    }

    /// Takes note of a block that is not a packet: an interface description; others are skipped.
    private func note(_ block: Block) throws(Damage) {
        guard block.type == BlockType.interface else { return }
        let body = block.body
        guard body.count >= 8 else { throw Damage("an interface description is \(body.count) bytes long") }
        guard self.interfaces.count < RecordLimits.maxInterfaces else {
            throw Damage("more than \(RecordLimits.maxInterfaces) interfaces in one section")
        }
        var interface = Interface(linkType: LinkType(fileValue: UInt32(self.order.u16(body, 0))), snaplen: Int(self.order.u32(body, 4)))
        var offset = 8
        while offset + 4 <= body.count {
            let code = self.order.u16(body, offset)
            let length = Int(self.order.u16(body, offset + 2))
            let value = offset + 4
            guard code != 0, value + length <= body.count else { break }
            if code == 9, length >= 1 {  // if_tsresol: 10^-n, or 2^-n with the top bit set
                let resolution = body[value]
                let power = Int(resolution & 0x7F)
                if resolution & 0x80 != 0 {
                    guard power <= 63 else { throw Damage("an interface's timestamp resolution is 2^-\(power)") }
                    interface.unitsPerSecond = 1 << UInt64(power)
                } else {
                    guard power <= 19 else { throw Damage("an interface's timestamp resolution is 10^-\(power)") }
                    interface.unitsPerSecond = (0 ..< power).reduce(1) { r, _ in r * 10 }
                }
            } else if code == 14, length == 8 {  // if_tsoffset: seconds
                interface.offset = Int64(bitPattern: self.order.u64(body, value))
            }
            offset = value + (length + 3) & ~3
        }
        self.interfaces.append(interface)
    }

    /// The frame of an EPB, SPB or OPB.
    private func packet(_ block: Block) throws(Damage) -> Record {
        let body = block.body
        let interfaceID: Int, ticks: UInt64, captured: Int, original: Int, data: Int
        switch block.type {
        case BlockType.enhancedPacket, BlockType.obsoletePacket:
            guard body.count >= 20 else { throw Damage("a packet block is \(body.count) bytes long") }
            interfaceID = block.type == BlockType.enhancedPacket ? Int(self.order.u32(body, 0)) : Int(self.order.u16(body, 0))
            ticks = UInt64(self.order.u32(body, 4)) << 32 | UInt64(self.order.u32(body, 8))  // high word first
            captured = Int(self.order.u32(body, 12))
            original = Int(self.order.u32(body, 16))
            data = 20
        default:  // simple packet: interface 0, no timestamp, the captured length is implied
            guard body.count >= 4 else { throw Damage("a simple packet block is \(body.count) bytes long") }
            interfaceID = 0
            ticks = 0
            original = Int(self.order.u32(body, 0))
            let snaplen = self.interfaces.first?.snaplen ?? 0
            captured = min(original, body.count - 4, snaplen == 0 ? .max : snaplen)
            data = 4
        }
        guard interfaceID < self.interfaces.count else {
            throw Damage("a packet names interface \(interfaceID), but only \(self.interfaces.count) are described")
        }
        guard captured <= body.count - data, captured <= RecordLimits.maxCapturedLength else {
            throw Damage("a packet claims \(captured) captured bytes in a \(body.count)-byte block")
        }
        let interface = self.interfaces[interfaceID]
        return Record(timestamp: Timestamp(ticks: ticks, unitsPerSecond: interface.unitsPerSecond, offset: interface.offset),
                      capturedLength: captured, originalLength: original, linkType: interface.linkType,
                      bytes: UnsafeRawBufferPointer(rebasing: body[data ..< data + captured]))
    }
}
