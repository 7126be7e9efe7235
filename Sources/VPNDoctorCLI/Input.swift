import Capture

/// Opens capture files, applying `--filter` (in libpcap); `Engine` reads them.
struct CaptureReader {
    let options: InputOptions

    /// Opens `path`; throws a one-line `CaptureError`.
    func open(_ path: String) throws(CaptureError) -> PcapFile {
        try PcapFile(path: path, filter: self.options.filter)
    }
}
