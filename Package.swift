// swift-tools-version: 6.0
// vpndoctor — reads VPN connection attempts off the wire and says what is wrong.
//
// Modules depend one way:
//   CLibpcap, CZlib → Capture → Decoding → Sessions → Diagnosis → Reporting → VPNDoctorCLI → vpndoctor
//   Engine (frames in, analysis and judgement out: Capture … Diagnosis) → VPNDoctorCLI, FuzzHarness
//   (Decryption, which links the ciphers, sits beside Sessions: Decoding → Decryption → VPNDoctorCLI,
//   which hands the Engine's decoder its decrypter)
import PackageDescription

let package = Package(
    name: "vpndoctor",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "vpndoctor", targets: ["vpndoctor"]),
        .library(name: "VPNDoctor", targets: ["Capture", "Decoding", "Decryption", "Sessions", "Diagnosis", "Engine", "Reporting",
                                              "VPNDoctorCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
    ],
    targets: [
        .systemLibrary(
            name: "CLibpcap",
            pkgConfig: "libpcap",
            providers: [.apt(["libpcap-dev"]), .brew(["libpcap"])]
        ),
        // gzip-compressed captures are read through zlib, streamed (Capture/Internal/CaptureBytes.swift).
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"]), .brew(["zlib"])]
        ),
        .target(name: "Capture", dependencies: ["CLibpcap", "CZlib"]),
        .target(name: "Decoding", dependencies: ["Capture"]),
        .target(name: "Sessions", dependencies: ["Decoding", .product(name: "Crypto", package: "swift-crypto")]),
        // Decryption with the user's keys (issue 16): the one module that links the ciphers.
        .target(name: "Decryption", dependencies: [
            "Decoding", .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "_CryptoExtras", package: "swift-crypto"),
        ]),
        .target(name: "Diagnosis", dependencies: ["Sessions"]),
        .target(name: "Reporting", dependencies: ["Diagnosis"]),
        // The one entry point from frames to a judgement, for the commands and the fuzz harness.
        .target(name: "Engine", dependencies: ["Capture", "Decoding", "Sessions", "Diagnosis"]),
        .target(name: "VPNDoctorCLI", dependencies: [
            "Capture", "Decoding", "Decryption", "Sessions", "Diagnosis", "Engine", "Reporting",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "vpndoctor", dependencies: ["VPNDoctorCLI"]),
        // Internal timing tool (not a product): `swift run -c release vpndoctor-bench FILE`.
        .executableTarget(name: "vpndoctor-bench", dependencies: ["Capture", "Decoding"], path: "Sources/VPNDoctorBench"),
        // Lab tool (not a product; keys never appear in vpndoctor's output): charon logs → Wireshark profile.
        .executableTarget(name: "lab-key-tables", dependencies: ["Decryption"], path: "Sources/LabKeyTables"),

        // Fuzzing (issue 8): the harness is a library so tests replay crashers through it; each
        // Fuzz* executable replays files in a plain build and is a libFuzzer target when built by
        // `make fuzz` (-DFUZZING, libFuzzer coverage, ASan). See Tests/Fuzz/README.md.
        .target(name: "FuzzHarness", dependencies: ["Capture", "Decoding", "Sessions", "Diagnosis", "Engine", "Reporting"]),
        .executableTarget(name: "FuzzFrame", dependencies: ["FuzzHarness"]),
        .executableTarget(name: "FuzzStream", dependencies: ["FuzzHarness"]),
        .executableTarget(name: "FuzzFile", dependencies: ["FuzzHarness"]),

        .target(name: "TestSupport", dependencies: ["Capture", "Decoding"], path: "Tests/TestSupport"),
        // Counts the heap allocations of the calling thread (Linux), for the zero-allocation tests.
        .target(name: "AllocationCounter", path: "Tests/AllocationCounter"),
        .testTarget(name: "CaptureTests", dependencies: ["Capture", "TestSupport"]),
        .testTarget(name: "DecodingTests", dependencies: ["Decoding", "Capture", "TestSupport", "AllocationCounter", "FuzzHarness"],
                    exclude: ["Regressions"]),
        .testTarget(name: "SessionsTests", dependencies: ["Sessions", "TestSupport", "AllocationCounter"]),
        .testTarget(name: "DecryptionTests", dependencies: ["Decryption", "TestSupport", .product(name: "Crypto", package: "swift-crypto")]),
        .testTarget(name: "DiagnosisTests", dependencies: ["Diagnosis", "Reporting", "TestSupport"]),
        .testTarget(name: "EndToEndTests", dependencies: [
            "TestSupport", "Reporting", "Engine", "VPNDoctorCLI", "Decryption", .product(name: "Crypto", package: "swift-crypto"),
        ], exclude: ["Golden"]),  // read from the source tree by path (GoldenReportTests)
    ],
    swiftLanguageModes: [.v6]
)
