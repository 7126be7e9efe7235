// Counts heap allocations made by the calling thread, for the zero-allocation data-plane tests.
//
// On Linux (glibc) the test executable defines malloc and friends, which pre-empt libc's for every
// library in the process (the executable comes first in ELF symbol lookup); each forwards to glibc's
// own __libc_* entry point after bumping a thread-local counter. Counting per thread keeps tests
// that run in parallel on other threads out of the count. Elsewhere the counter stays inactive and
// the tests that need it are skipped.
#pragma once
#include <stdbool.h>
#include <stdint.h>

/// Allocations (malloc, calloc, realloc, aligned allocations) made by this thread so far.
uint64_t vpd_thread_allocations(void);
/// True when allocations are being counted (checked by allocating once).
bool vpd_allocation_counting_active(void);
