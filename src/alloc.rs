//! The command line's global allocator: the system allocator, with a transparent-huge-page hint
//! (`madvise(MADV_HUGEPAGE)`, Linux) on the 2 MiB-aligned interior of every block of 8 MiB or more.
//!
//! Why: `trace` on a few million draws per variable works on 32 MB buffers (ranks, folded ranks,
//! centred copies), which glibc maps afresh for each, and the rank normalisation writes into them in
//! the sorted order, i.e. at random. With 4 KiB pages that is one page fault per 4 KiB and a TLB
//! miss per write; with 2 MiB pages, neither. The hint changes where memory comes from, never a
//! value; where huge pages are off (or on another OS) it is a no-op.

use std::alloc::{GlobalAlloc, Layout, System};

/// The system allocator with the large-page hint on large blocks (see the module docs).
pub struct LargePages;

/// Blocks at least this large get the hint.
const LARGE: usize = 8 << 20;

#[cfg(target_os = "linux")]
fn advise(p: *mut u8, size: usize) {
    const HUGE: usize = 2 << 20;
    if p.is_null() || size < LARGE {
        return;
    }
    let start = (p as usize).next_multiple_of(HUGE);
    let end = (p as usize + size) & !(HUGE - 1);
    if end > start {
        // SAFETY: [start, end) lies inside the block just allocated; MADV_HUGEPAGE changes how its
        // pages are backed, not its contents, and a failure (huge pages disabled) is harmless.
        unsafe {
            libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_HUGEPAGE);
        }
    }
}

#[cfg(not(target_os = "linux"))]
fn advise(_: *mut u8, _: usize) {}

// SAFETY: every method forwards to `System` with the caller's arguments unchanged; `advise` only
// hints on memory inside the block returned.
unsafe impl GlobalAlloc for LargePages {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded; the caller upholds `GlobalAlloc::alloc`'s contract.
        let p = unsafe { System.alloc(layout) };
        advise(p, layout.size());
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded, as in `alloc`.
        let p = unsafe { System.alloc_zeroed(layout) };
        advise(p, layout.size());
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded; `ptr` came from `System` through this allocator.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded, as in `dealloc`.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        advise(p, new_size);
        p
    }
}

/// Makes glibc map every block of 4 MiB or more on its own and unmap it when freed. By default the
/// threshold adapts upwards (to 32 MiB) after the first large free, so later draw-sized buffers
/// come from the heap and stay resident after use: on `trace` that kept ~64 MB per thread beyond
/// the working set. Call once at start; a no-op off glibc.
pub fn return_large_blocks() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets an allocator parameter; called before any thread is spawned.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 4 << 20);
    }
}
