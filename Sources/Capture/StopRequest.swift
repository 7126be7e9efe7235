/// A request to stop reading (Ctrl-C, SIGTERM), for every capture this process reads: a file or
/// standard input ends at its next frame, a live capture at its next read timeout. Reads already
/// made stay valid results, so the command reports what was read.
public enum StopRequest {
    /// A plain flag is enough: one writer (a signal handler), readers between reads. A reader blocked
    /// in read(2) is woken by the signal itself (handlers installed without SA_RESTART).
    nonisolated(unsafe) private static var flag: Int32 = 0

    /// Asks every capture to stop (async-signal-safe).
    public static func request() { Self.flag = 1 }

    public static var isRequested: Bool { Self.flag != 0 }
}
