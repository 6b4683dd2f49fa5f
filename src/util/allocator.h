// How hort's processes set up glibc's allocator. Every program that runs
// hort's pipelines calls this first: the hort executable, and the micro
// benchmarks, whose rates must be the ones hort sees.
#pragma once

namespace hort {

// Pipelines allocate and free MiB-sized buffers constantly. glibc would map
// each fresh (above 128 KiB) and unmap it at free, so every use would fault
// in and zero its pages again; these buffers stay in the heap instead.
// Buffers are allocated by reader threads and freed by workers, so the heap
// is kept to two arenas: one per thread would each keep its own high-water
// mark (measured: 40 MiB more RSS in a backup).
void TuneAllocatorForPipelines();

}  // namespace hort
