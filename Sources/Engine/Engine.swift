import Capture
import Decoding
import Diagnosis
import Foundation
import Sessions

/// The one way frames become a diagnosis, shared by `analyze`, `packets`, `watch` and the fuzz
/// harness: a frame source (a capture file, standard input, a live interface, frames in memory)
/// and the options in; the analysis, its judgement and the error that cut the source short out,
/// with callbacks on the way for what a command shows per frame. The commands parse arguments and
/// render; what happens to a frame is decided here only.
public struct Engine: Sendable {
    /// How frames are read.
    public enum Mode: Sendable {
        /// Data-plane frames are counted from their header bytes, the rest decoded (`analyze`,
        /// `watch`): on two threads when the process may use a second core and no `analyzed`
        /// callback wants each frame.
        case diagnose
        /// Every frame is decoded in full, so the packet handed to `analyzed` always describes it;
        /// frames not to or from `only` are skipped (`packets`). One thread.
        case decodeEvery(only: IPAddress?)
    }

    /// What a command sees on the way. Each callback runs on the thread that analyses, except
    /// `captured`.
    public struct Observer {
        /// Each frame as read, before it is analysed, on the reading thread; false stops reading
        /// (a `--write` that failed).
        public var captured: ((RawFrame) -> Bool)?
        /// Each frame once the analyzer took it, with what it did (`.decoded`: `packet` is the
        /// frame decoded) and the analyzer. Asking for it keeps the engine on one thread.
        public var analyzed: ((RawFrame, Analyzer.Reading, DecodedPacket, Analyzer) -> Void)?
        /// Bytes of the input read so far, now and then (the progress bar).
        public var progress: ((Int?) -> Void)?
        /// The analysis so far and its judgement, while frames come (`watch`): at most once a
        /// second, and only after new frames.
        public var judged: ((Analysis, Judgement) -> Void)?

        public init(captured: ((RawFrame) -> Bool)? = nil,
                    analyzed: ((RawFrame, Analyzer.Reading, DecodedPacket, Analyzer) -> Void)? = nil,
                    progress: ((Int?) -> Void)? = nil, judged: ((Analysis, Judgement) -> Void)? = nil) {
            self.captured = captured
            self.analyzed = analyzed
            self.progress = progress
            self.judged = judged
        }
    }

    /// What a source gave.
    public struct Outcome {
        public var analysis: Analysis
        public var judgement: Judgement
        /// What ended the source early; the frames before it were analysed.
        public var error: CaptureError?
        /// The source's decrypter (`decrypter`), with its notes on keys that did not verify.
        public var decrypter: (any PacketDecrypting)?
    }

    public var options: AnalysisOptions
    public var diagnosis: DiagnosisEngine
    public var mode: Mode
    public var limits: DecodeLimits
    /// Makes the decrypter of one source (`--keys`: IKEv1 IV chains and key notes are per capture).
    /// With one, ESP is decoded to be decrypted, not counted from its header, on one thread.
    public var decrypter: (@Sendable () -> any PacketDecrypting)?
    /// Whether `.diagnose` reads on a thread of its own (`FramePipeline`): when the process may use
    /// a second core. Tests set it to compare both ways.
    var twoThreads = FramePipeline.isWorthIt

    public init(options: AnalysisOptions = AnalysisOptions(), ignoring: Set<String> = [], mode: Mode = .diagnose,
                limits: DecodeLimits = .standard) {
        self.options = options
        self.diagnosis = DiagnosisEngine(ignoring: ignoring)
        self.mode = mode
        self.limits = limits
    }

    /// Reads `source` to its end (or a stop, or its first error) and judges it.
    public func run<Source: FrameSource>(_ source: Source, _ observer: Observer = Observer()) -> Outcome {
        var analyzer = Analyzer(options: self.options)
        var clock = JudgeClock()
        var error: CaptureError?
        let decrypter = self.decrypter?()
        do {
            if observer.analyzed == nil, decrypter == nil, case .diagnose = self.mode, self.twoThreads {
                // Watching live, the reader may run further ahead: it must drain the kernel's
                // buffer while this thread judges.
                try FramePipeline.analyze(source, into: &analyzer, limits: self.limits,
                                          batches: observer.judged == nil ? 4 : 32, captured: observer.captured) {
                    analyzer, position, frames in
                    observer.progress?(position)
                    clock.pending = clock.pending || frames > 0
                    self.judgeIfDue(analyzer, &clock, observer)
                }
            } else {
                try self.read(source, into: &analyzer, decrypter: decrypter, clock: &clock, observer)
            }
        } catch let failure {
            error = failure
        }
        var analysis = analyzer.finish()
        analysis.capture.cutShort = source.cutShort.map { .init(lastWholeFrame: $0.framesRead ?? 0, detail: $0.message) }
        return Outcome(analysis: analysis, judgement: self.diagnosis.diagnose(analysis), error: error, decrypter: decrypter)
    }

    /// The one-thread loop: every frame read, analysed and handed to the observer in turn.
    private func read<Source: FrameSource>(_ source: Source, into analyzer: inout Analyzer, decrypter: (any PacketDecrypting)?,
                                           clock: inout JudgeClock, _ observer: Observer) throws(CaptureError) {
        var source = source
        var decoder = PacketDecoder(dissector: Dissector(limits: self.limits))
        decoder.decrypter = decrypter
        var packet = DecodedPacket(linkType: source.linkType)
        var frames = 0
        while true {
            let frame: RawFrame
            switch try source.poll() {
            case .frame(let read): frame = read
            case .idle:
                self.judgeIfDue(analyzer, &clock, observer)
                continue
            case .stopped: return
            }
            if let captured = observer.captured, !captured(frame) { return }
            frames &+= 1
            let reading: Analyzer.Reading
            switch self.mode {
            case .diagnose:
                reading = analyzer.add(frame, decoder: &decoder, into: &packet)
            case .decodeEvery(let only):
                decoder.decode(frame, into: &packet)
                if let only, !packet.involves(only) { continue }
                analyzer.add(packet, bytes: frame.bytes)
                reading = .decoded
            }
            observer.analyzed?(frame, reading, packet, analyzer)
            // Looking at the file position or the clock costs a little: every so many frames.
            if frames & 0xFFFF == 0 { observer.progress?(source.bytesRead) }
            clock.pending = true
            if frames & 0x3FF == 0 { self.judgeIfDue(analyzer, &clock, observer) }
        }
    }

    /// When the analysis is next judged while frames come: at most once a second, and never
    /// more than a fifth of the time (a judgement re-reads all the state, so with many sessions
    /// it is judged less often and the work per frame stays constant on average).
    struct JudgeClock {
        var last = ContinuousClock.now
        var interval = Duration.seconds(1)
        /// Frames were analysed since the last judgement.
        var pending = false
    }

    private func judgeIfDue(_ analyzer: Analyzer, _ clock: inout JudgeClock, _ observer: Observer) {
        guard let judged = observer.judged, clock.pending, ContinuousClock.now - clock.last >= clock.interval else { return }
        let started = ContinuousClock.now
        let analysis = analyzer.finish()
        judged(analysis, self.diagnosis.diagnose(analysis))
        clock.last = ContinuousClock.now
        clock.interval = max(.seconds(1), (clock.last - started) * 4)
        clock.pending = false
    }
}

extension DecodedPacket {
    /// True when any IP layer (outer or tunnelled) has `address` as source or destination.
    public func involves(_ address: IPAddress) -> Bool {
        for layer in self.layers {
            if let (source, destination) = layer.ipEndpoints, source == address || destination == address {
                return true
            }
        }
        return false
    }
}
