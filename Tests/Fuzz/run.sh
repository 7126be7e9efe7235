#!/usr/bin/env bash
# `make fuzz`: builds the libFuzzer targets (Sources/Fuzz{Frame,Stream,File}) with AddressSanitizer
# into .build-fuzz, seeds them (Tests/Fuzz/seeds.py) and runs each for FUZZ_SECONDS, one at a time.
# Corpora and crashers go to fuzz-corpus/ (gitignored). A crasher makes this exit 1: copy it into
# Tests/DecodingTests/Regressions/<target>/ and `make test` replays it for good.
# A failed build exits 2 (never fuzz a stale binary). The seed is FUZZ_SEED when given, else new
# each run (printed: `FUZZ_SEED=<seed> make fuzz` replays the run).
set -uo pipefail
cd "$(dirname "$0")/../.."
SWIFT=${SWIFT:-swift}
SECONDS_EACH=${FUZZ_SECONDS:-60}
TARGETS=${FUZZ_TARGETS:-frame stream file}
# Not -sanitize=fuzzer: that links libFuzzer's own main, which clashes with the main SwiftPM gives
# every executable (--defsym main=<Target>_main). Instead: libFuzzer's coverage instrumentation +
# ASan, and libclang_rt.fuzzer_no_main, whose LLVMFuzzerRunDriver our <Target>_main calls
# (FuzzHarness.runFuzzer). Debug build: keeps Swift's bounds preconditions on unsafe buffers.
RESOURCE=$(dirname "$(command -v "$SWIFT")")/../lib/clang
NOMAIN=$(ls "$RESOURCE"/*/lib/linux/libclang_rt.fuzzer_no_main-x86_64.a "$RESOURCE"/*/lib/*/libclang_rt.fuzzer_no_main.a 2>/dev/null | head -1)
[ -n "$NOMAIN" ] || { echo "fuzz: libclang_rt.fuzzer_no_main not found under $RESOURCE (a Linux Swift toolchain ships it)"; exit 2; }
SEED=${FUZZ_SEED:-$(( $(od -An -N4 -tu4 /dev/urandom) % 2147483647 + 1 ))}
echo "fuzz: seed $SEED (replay: FUZZ_SEED=$SEED)"
CONFIG=${FUZZ_CONFIG:-debug}  # release: ~faster, Swift's debug-only checks off (ASan still on)
FLAGS=(-c "$CONFIG" --scratch-path .build-fuzz -Xswiftc -DFUZZING -Xswiftc -parse-as-library -Xswiftc -sanitize=address
       -Xswiftc -sanitize-coverage=edge,inline-8bit-counters,pc-table,trace-cmp -Xlinker "$NOMAIN" -Xlinker -lstdc++)

mkdir -p fuzz-corpus
[ -d fuzz-corpus/seeds ] || python3 Tests/Fuzz/seeds.py
status=0
summary=()
for target in $TARGETS; do
  product="Fuzz$(tr '[:lower:]' '[:upper:]' <<<"${target:0:1}")${target:1}"
  buildlog="fuzz-corpus/$target.build.log"
  if ! $SWIFT build "${FLAGS[@]}" --product "$product" >"$buildlog" 2>&1 || grep -q "warning: unre" "$buildlog"; then
    grep -E "error|warning: unre" "$buildlog" | head -20
    echo "fuzz: building $product failed (log: $buildlog); not fuzzing a stale binary"
    exit 2
  fi
  mkdir -p "fuzz-corpus/$target" "fuzz-corpus/crashes/$target"
  maxlen=16384; [ "$target" = file ] && maxlen=65536; [ "$target" = stream ] && maxlen=32768
  log="fuzz-corpus/$target.log"
  ASAN_OPTIONS=detect_leaks=0 ".build-fuzz/$CONFIG/$product" "fuzz-corpus/$target" "fuzz-corpus/seeds/$target" \
    -max_total_time="$SECONDS_EACH" -seed="$SEED" -timeout=10 -rss_limit_mb=2048 -max_len=$maxlen -print_final_stats=1 \
    -artifact_prefix="fuzz-corpus/crashes/$target/" >"$log" 2>&1
  rc=$?
  runs=$(grep -oE '^stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' || echo '?')
  crashes=$(find "fuzz-corpus/crashes/$target" -type f | wc -l)
  summary+=("$target ($CONFIG, seed $SEED): $runs executions in ${SECONDS_EACH}s, exit $rc, $crashes crasher files in fuzz-corpus/crashes/$target")
  [ $rc -eq 0 ] && [ "$crashes" -eq 0 ] || status=1
done
printf '%s\n' "${summary[@]}"
exit $status
