import Capture

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Ctrl-C (SIGINT) and SIGTERM while reading: the first stops the read (`StopRequest`) and the
/// command reports what it read; a second one ends the process at once, by that signal.
///
/// The handler is installed without SA_RESTART, so a read(2) blocked on a pipe that stays open
/// (`tcpdump -w - | vpndoctor analyze -` after tcpdump was told to ignore the signal, or a writer in
/// another process group) returns EINTR in the thread that takes the signal, instead of waiting for
/// the next packet. `FramePipeline` makes its reader thread the one that takes it. In `Engine`, next to
/// the pipeline that depends on it; the commands install it.
public enum StopSignals {
    static let signals = [SIGINT, SIGTERM]

    public static func install() {
        var action = sigaction()
        #if canImport(Glibc)
        action.__sigaction_handler.sa_handler = Self.handle
        #else
        action.__sigaction_u.__sa_handler = Self.handle
        #endif
        sigemptyset(&action.sa_mask)
        action.sa_flags = 0  // no SA_RESTART: interrupt a blocked read
        for signal in Self.signals { sigaction(signal, &action, nil) }
        // A parent may hand us a mask that blocks them (a thread pool's spawn does): unblock.
        Self.setBlocked(false)
    }

    /// Blocks or unblocks the stop signals in the calling thread (threads started after inherit it).
    static func setBlocked(_ blocked: Bool) {
        var set = sigset_t()
        sigemptyset(&set)
        for signal in Self.signals { sigaddset(&set, signal) }
        pthread_sigmask(blocked ? SIG_BLOCK : SIG_UNBLOCK, &set, nil)
    }

    private static let handle: @convention(c) (Int32) -> Void = { number in
        if StopRequest.isRequested {
            // Second signal: the default action (the process ends by it, as without vpndoctor's handler).
            signal(number, SIG_DFL)
            raise(number)
            return
        }
        StopRequest.request()
    }
}
