// libFuzzer target "frame": see FuzzHarness and Tests/Fuzz/README.md.
import FuzzHarness

#if FUZZING
// SwiftPM links executables with main = FuzzFrame_main: hand it to libFuzzer's driver.
@_cdecl("FuzzFrame_main")
func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    runFuzzer(argc, argv) { FuzzHarness.frame($0) }
}
#else
@main enum FuzzFrame {
    static func main() { FuzzHarness.replay(Array(CommandLine.arguments.dropFirst()), FuzzHarness.frame) }
}
#endif
