#if canImport(Glibc)
import Glibc
#endif

/// What the C allocator does with freed memory. glibc keeps it for reuse: after a burst of
/// small allocations (an import builds and drops a tree of hundreds of thousands of schema
/// nodes) the server's RSS would stay at its peak, and a large block freed raises the size
/// from which blocks get their own mapping, so large answers' buffers would stay in the heap.
///
/// glibc's `<malloc.h>` is not part of Swift's Glibc module: its two functions are looked up
/// by name; where they are missing (another C library), both calls do nothing.
public enum MemoryRelease {
    /// Hands the free pages of every malloc arena back to the system (glibc's `malloc_trim`).
    /// Takes milliseconds: for after rare, large work, not the hot path.
    public static func returnFreePages() {
        #if canImport(Glibc)
        _ = trim?(0)
        #endif
    }

    /// Makes every allocation of `bytes` or more a mapping of its own, returned to the system
    /// when freed (glibc's `M_MMAP_THRESHOLD`, which otherwise grows to the largest block freed,
    /// up to 32 MiB). Process-wide: for a server's start.
    public static func mapAllocations(from bytes: Int = 4 << 20) {
        #if canImport(Glibc)
        let mmapThreshold: Int32 = -3  // M_MMAP_THRESHOLD
        _ = setOption?(mmapThreshold, Int32(clamping: bytes))
        #endif
    }

    #if canImport(Glibc)
    private static let trim = symbol("malloc_trim", as: (@convention(c) (Int) -> Int32).self)
    private static let setOption = symbol("mallopt", as: (@convention(c) (Int32, Int32) -> Int32).self)

    private static func symbol<F>(_ name: String, as type: F.Type) -> F? {
        guard let address = dlsym(dlopen(nil, RTLD_NOW), name) else { return nil }
        return unsafeBitCast(address, to: type)
    }
    #endif
}
