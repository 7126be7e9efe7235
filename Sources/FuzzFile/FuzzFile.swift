// libFuzzer target "file": see FuzzHarness and Tests/Fuzz/README.md.
import FuzzHarness

#if FUZZING
// SwiftPM links executables with main = FuzzFile_main: hand it to libFuzzer's driver.
@_cdecl("FuzzFile_main")
func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    runFuzzer(argc, argv) { FuzzHarness.file($0) }
}
#else
@main enum FuzzFile {
    static func main() { FuzzHarness.replay(Array(CommandLine.arguments.dropFirst()), FuzzHarness.file) }
}
#endif
