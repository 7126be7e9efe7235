import CLibpcap

// Every call into libpcap lives in this file (cf. swift-system's Internals/Syscalls.swift), so the
// C surface the project depends on can be read in one place.

/// libpcap's error text.
struct PcapMessage: Error { let text: String }

/// A BPF program compiled for one link type, run by us on each frame of a file
/// (`pcap_offline_filter`), so frame numbers still count every frame, as Wireshark's do, and each
/// link type of a pcapng file gets a program of its own.
final class BPFProgram {
    private var program: bpf_program

    private init(_ program: bpf_program) { self.program = program }

    deinit { pcap_freecode(&self.program) }

    /// Compiles `expression` for `linkType` (on a dead handle: no file or interface is needed).
    static func compile(_ expression: String, linkType: LinkType) -> Result<BPFProgram, PcapMessage> {
        guard let dead = pcap_open_dead(Int32(bitPattern: linkType.rawValue), Int32(RecordLimits.maxCapturedLength)) else {
            return .failure(PcapMessage(text: "libpcap cannot compile for link type \(linkType)"))
        }
        defer { pcap_close(dead) }
        var program = bpf_program()
        guard pcap_compile(dead, &program, expression, 1, PCAP_NETMASK_UNKNOWN) == 0 else {
            return .failure(PcapMessage(text: String(cString: pcap_geterr(dead))))
        }
        return .success(BPFProgram(program))
    }

    /// True when the frame matches.
    func matches(_ info: FrameInfo, _ bytes: UnsafeRawBufferPointer) -> Bool {
        var header = pcap_pkthdr()
        header.caplen = UInt32(info.capturedLength)
        header.len = UInt32(truncatingIfNeeded: info.originalLength)
        var none: UInt8 = 0  // libpcap wants a pointer even for an empty frame
        guard let data = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else {
            return pcap_offline_filter(&self.program, &header, &none) != 0
        }
        return pcap_offline_filter(&self.program, &header, data) != 0
    }
}

/// An open libpcap handle (live capture); closed when the last reference goes away.
final class PcapHandle {
    let pointer: OpaquePointer

    init(_ pointer: OpaquePointer) { self.pointer = pointer }

    deinit { pcap_close(self.pointer) }

    var datalink: Int32 { pcap_datalink(self.pointer) }

    var lastError: String { String(cString: pcap_geterr(self.pointer)) }

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

    /// The frame libpcap just returned, numbered `number`. `tickNanoseconds` is 1000 for live handles
    /// (microseconds); a sub-second field of a second or more carries into the seconds.
    static func rawFrame(_ header: UnsafePointer<pcap_pkthdr>, _ data: UnsafePointer<UInt8>, number: Int,
                         linkType: LinkType, tickNanoseconds: Int64) -> RawFrame {
        let h = header.pointee
        let info = FrameInfo(
            number: number,
            timestamp: Timestamp(seconds: Int64(h.ts.tv_sec), subsecondNanoseconds: Int64(h.ts.tv_usec) &* tickNanoseconds),
            capturedLength: Int(h.caplen), originalLength: Int(h.len), linkType: linkType)
        return RawFrame(info: info, bytes: UnsafeRawBufferPointer(start: data, count: Int(h.caplen)))
    }

    // MARK: Live capture

    /// Creates a handle for `interface`, configured for watching a VPN connect: full frames, a
    /// kernel buffer of `bufferSize` bytes, and a 100 ms read timeout so the loop can check for a
    /// stop request. `immediate` delivers each packet as it comes (a person watching) instead of
    /// when the kernel's block fills or the timeout passes (fewer wake-ups at high rates).
    static func openLive(interface: String, snaplen: Int32, bufferSize: Int32, immediate: Bool)
        -> Result<PcapHandle, PcapActivationError> {
        var errbuf = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE))
        guard let p = pcap_create(interface, &errbuf) else {
            return .failure(PcapActivationError(status: PCAP_ERROR, message: String(cString: errbuf)))
        }
        let handle = PcapHandle(p)
        pcap_set_snaplen(p, snaplen)
        pcap_set_promisc(p, 0)
        pcap_set_immediate_mode(p, immediate ? 1 : 0)
        pcap_set_buffer_size(p, bufferSize)
        pcap_set_timeout(p, 100)
        let status = pcap_activate(p)
        if status < 0 {
            return .failure(PcapActivationError(status: status, message: handle.lastError))
        }
        // Non-blocking reads plus our own poll(2) with a timeout: on Linux, immediate mode makes
        // libpcap's own read block indefinitely, which would leave no moment to check for a stop.
        var errbuf2 = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE))
        if pcap_setnonblock(p, 1, &errbuf2) != 0 {
            return .failure(PcapActivationError(status: PCAP_ERROR, message: String(cString: errbuf2)))
        }
        // Positive statuses are warnings (e.g. promiscuous mode not supported): carry on.
        return .success(handle)
    }

    /// Waits up to `milliseconds` for the live handle to become readable (poll(2) on libpcap's
    /// selectable descriptor); returns at once where there is none.
    func waitReadable(milliseconds: Int32) {
        let fd = pcap_get_selectable_fd(self.pointer)
        guard fd >= 0 else { return }
        var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        _ = poll(&descriptor, 1, milliseconds)
    }

    /// Compiles `expression` and installs it in the kernel (live capture); nil on success.
    func setKernelFilter(_ expression: String) -> String? {
        var program = bpf_program()
        guard pcap_compile(self.pointer, &program, expression, 1, PCAP_NETMASK_UNKNOWN) == 0 else {
            return self.lastError
        }
        defer { pcap_freecode(&program) }
        return pcap_setfilter(self.pointer, &program) == 0 ? nil : self.lastError
    }

    /// Packets received, dropped by the kernel, dropped by the interface (pcap_stats).
    var statistics: (received: UInt32, dropped: UInt32, interfaceDropped: UInt32)? {
        var stats = pcap_stat()
        guard pcap_stats(self.pointer, &stats) == 0 else { return nil }
        return (stats.ps_recv, stats.ps_drop, stats.ps_ifdrop)
    }

    /// The capturable interfaces with their addresses (pcap_findalldevs).
    static func interfaces() -> Result<[CaptureInterface], PcapMessage> {
        var errbuf = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE))
        var list: UnsafeMutablePointer<pcap_if_t>?
        guard pcap_findalldevs(&list, &errbuf) == 0 else {
            return .failure(PcapMessage(text: String(cString: errbuf)))
        }
        defer { pcap_freealldevs(list) }
        var out: [CaptureInterface] = []
        var node = list
        while let current = node {
            let device = current.pointee
            var addresses: [String] = []
            var address = device.addresses
            while let a = address {
                if let sockaddr = a.pointee.addr, let text = numericHost(sockaddr) { addresses.append(text) }
                address = a.pointee.next
            }
            out.append(CaptureInterface(
                name: String(cString: device.name),
                description: device.description.map { String(cString: $0) },
                addresses: addresses,
                isUp: device.flags & UInt32(PCAP_IF_UP) != 0,
                isRunning: device.flags & UInt32(PCAP_IF_RUNNING) != 0,
                isLoopback: device.flags & UInt32(PCAP_IF_LOOPBACK) != 0))
            node = device.next
        }
        return .success(out)
    }
}

/// libpcap's activation status codes, named (pcap/pcap.h).
enum PcapStatus {
    static let noSuchDevice = PCAP_ERROR_NO_SUCH_DEVICE
    static let permissionDenied = PCAP_ERROR_PERM_DENIED
    static let interfaceNotUp = PCAP_ERROR_IFACE_NOT_UP
}

/// Why `pcap_activate` failed: its status code and message.
struct PcapActivationError: Error {
    let status: Int32
    let message: String
}

/// `getnameinfo` with NI_NUMERICHOST: the text form of an IPv4 or IPv6 socket address.
private func numericHost(_ address: UnsafeMutablePointer<sockaddr>) -> String? {
    let family = Int32(address.pointee.sa_family)
    let length: socklen_t
    switch family {
    case AF_INET: length = socklen_t(MemoryLayout<sockaddr_in>.size)
    case AF_INET6: length = socklen_t(MemoryLayout<sockaddr_in6>.size)
    default: return nil
    }
    var host = [CChar](repeating: 0, count: Int(NI_MAXHOST))
    guard getnameinfo(address, length, &host, socklen_t(host.count), nil, 0, NI_NUMERICHOST) == 0 else { return nil }
    return String(cString: host)
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
