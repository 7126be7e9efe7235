import Capture

extension CaptureStatistics {
    /// Notes a frame's time: the latest so far is the end (a frame older than it, from merged files
    /// or a stepped clock, counts as a backward step and leaves the end alone, so the duration is
    /// never negative).
    @inline(__always)
    mutating func noteTime(_ time: Timestamp, frame: Int) {
        if let end = self.end, time < end {
            self.backwardSteps &+= 1
            if self.firstBackwardFrame == nil { self.firstBackwardFrame = frame }
        } else {
            self.end = time
        }
    }
}
