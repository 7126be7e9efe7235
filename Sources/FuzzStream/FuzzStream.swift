// libFuzzer target "stream": see FuzzHarness and Tests/Fuzz/README.md.
import FuzzHarness

#if FUZZING
// SwiftPM links executables with main = FuzzStream_main: hand it to libFuzzer's driver.
@_cdecl("FuzzStream_main")
func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    runFuzzer(argc, argv) { FuzzHarness.stream($0) }
}
#else
@main enum FuzzStream {
    static func main() { FuzzHarness.replay(Array(CommandLine.arguments.dropFirst()), FuzzHarness.stream) }
}
#endif
