/// A whole text file (the HTML report) written the careful way `--write` writes a pcap (`OutputFile`:
/// a private temporary file renamed over only an absent target or a regular file, never one of the
/// inputs; on any error the target is untouched and the temporary file goes with `OutputFile`).
public enum TextOutput {
    public static func write(_ text: String, to path: String, inputs: [String]) throws(CaptureError) {
        let file = try OutputFile(path: path, inputs: inputs)
        var failure: CaptureError?
        Array(text.utf8).withUnsafeBytes { buffer in
            do throws(CaptureError) { try file.append(buffer) } catch { failure = error }
        }
        if let failure { throw failure }
        try file.commit()
    }
}
