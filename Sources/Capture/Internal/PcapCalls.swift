import CLibpcap

// Every call into libpcap lives in this file (cf. swift-system's Internals/Syscalls.swift), so the
// C surface the project depends on can be read in one place.

/// libpcap's error text.
struct PcapMessage: Error { let text: String }

/// An open libpcap handle; closed when the last reference goes away.
final class PcapHandle {
    let pointer: OpaquePointer
    /// Compiled BPF program applied by us (`pcap_offline_filter`) so frame numbers still count
    /// every frame of the file, as Wireshark's do.
    private var program: bpf_program?

    init(_ pointer: OpaquePointer) { self.pointer = pointer }

    deinit {
        if var program = self.program { pcap_freecode(&program) }
        pcap_close(self.pointer)
    }

    /// Opens a file at nanosecond precision; on failure returns libpcap's message.
    static func openOffline(path: String) -> Result<PcapHandle, PcapMessage> {
        var errbuf = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE))
        guard let p = pcap_open_offline_with_tstamp_precision(path, UInt32(PCAP_TSTAMP_PRECISION_NANO), &errbuf) else {
            return .failure(PcapMessage(text: String(cString: errbuf)))
        }
        return .success(PcapHandle(p))
    }

    var datalink: Int32 { pcap_datalink(self.pointer) }

    var lastError: String { String(cString: pcap_geterr(self.pointer)) }

    /// Compiles `expression` for this handle's link type; nil on success, else libpcap's message.
    func compileFilter(_ expression: String) -> String? {
        var program = bpf_program()
        guard pcap_compile(self.pointer, &program, expression, 1, PCAP_NETMASK_UNKNOWN) == 0 else {
            return self.lastError
        }
        self.program = program
        return nil
    }

    /// True when no filter is set or the frame matches it.
    func matches(header: UnsafePointer<pcap_pkthdr>, data: UnsafePointer<UInt8>) -> Bool {
        guard var program = self.program else { return true }
        return pcap_offline_filter(&program, header, data) != 0
    }

    enum NextResult {
        case frame(UnsafePointer<pcap_pkthdr>, UnsafePointer<UInt8>)
        case timeout
        case end
        case error(String)
    }

    func next() -> NextResult {
        var header: UnsafeMutablePointer<pcap_pkthdr>?
        var data: UnsafePointer<UInt8>?
        switch pcap_next_ex(self.pointer, &header, &data) {
        case 1:
            guard let header, let data else { return .error("libpcap returned a frame without data") }
            return .frame(UnsafePointer(header), data)
        case 0: return .timeout
        case PCAP_ERROR_BREAK: return .end
        default: return .error(self.lastError)
        }
    }

    /// Byte offset in the file being read (for progress), when libpcap reads a seekable file.
    var fileOffset: Int? {
        guard let file = pcap_file(self.pointer) else { return nil }
        let offset = ftello(file)
        return offset >= 0 ? Int(offset) : nil
    }

    /// libpcap's own version string.
    static var libraryVersion: String { String(cString: pcap_lib_version()) }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
