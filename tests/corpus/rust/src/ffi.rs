//! Bindings to the bundled C compression library, and the small C ABI the
//! desktop point-of-sale client links against.

use std::alloc::{self, Layout};
use std::ffi::{CStr, CString};
use std::os::raw::{c_char, c_int};
use std::ptr::NonNull;

extern "C" {
    fn lz_compress_bound(src_len: usize) -> usize;
    fn lz_compress(src: *const u8, src_len: usize, dst: *mut u8, dst_cap: usize) -> c_int;
}

/// Fixed-capacity byte buffer whose storage can be handed across the FFI
/// boundary.
pub struct RawBuffer {
    ptr: NonNull<u8>,
    len: usize,
    cap: usize,
}

unsafe impl Send for RawBuffer {}

impl RawBuffer {
    pub fn with_capacity(cap: usize) -> Self { // expect: lane3 security
        assert!(cap > 0, "zero-sized RawBuffer");
        let layout = Layout::array::<u8>(cap).expect("capacity overflow");
        let ptr = unsafe { alloc::alloc(layout) };
        let ptr = NonNull::new(ptr).unwrap_or_else(|| alloc::handle_alloc_error(layout));
        Self { ptr, len: 0, cap }
    }

    pub fn len(&self) -> usize { // expect: lane2
        self.len
    }

    pub fn is_empty(&self) -> bool { // expect: lane2
        self.len == 0
    }

    pub fn as_slice(&self) -> &[u8] { // expect: lane3 security
        unsafe { std::slice::from_raw_parts(self.ptr.as_ptr(), self.len) }
    }

    /// # Safety
    /// The caller must have initialised the first `len` bytes.
    pub unsafe fn set_len(&mut self, len: usize) { // expect: lane3 security
        debug_assert!(len <= self.cap);
        self.len = len;
    }
}

impl Drop for RawBuffer {
    fn drop(&mut self) { // expect: lane3 security
        let layout = Layout::array::<u8>(self.cap).expect("layout was valid at allocation");
        unsafe { alloc::dealloc(self.ptr.as_ptr(), layout) };
    }
}

pub fn compress(input: &[u8]) -> Result<RawBuffer, i32> { // expect: lane3 security
    let bound = unsafe { lz_compress_bound(input.len()) };
    let mut out = RawBuffer::with_capacity(bound.max(1));
    let written = unsafe { lz_compress(input.as_ptr(), input.len(), out.ptr.as_ptr(), out.cap) };
    if written < 0 {
        return Err(written);
    }
    unsafe { out.set_len(written as usize) };
    Ok(out)
}

pub fn compression_ratio(original: usize, compressed: usize) -> f64 { // expect: lane2
    if original == 0 {
        return 1.0;
    }
    compressed as f64 / original as f64
}

/// # Safety
/// `ptr` must be null or point to a NUL-terminated string that stays valid
/// for the duration of the call.
pub unsafe fn string_from_c(ptr: *const c_char) -> Option<String> { // expect: lane3 security
    if ptr.is_null() {
        return None;
    }
    Some(CStr::from_ptr(ptr).to_string_lossy().into_owned())
}

static VERSION: &[u8] = b"2.3.1\0";

#[no_mangle]
pub extern "C" fn pos_client_version() -> *const c_char { // expect: lane2
    VERSION.as_ptr().cast()
}

/// Line price after a percentage discount, rounded half up; mirrors
/// `pricing::apply_coupon` for the offline till.
#[no_mangle]
pub extern "C" fn pos_discounted_price(unit_cents: i64, quantity: i32, percent_off: u8) -> i64 { // expect: lane2
    let gross = unit_cents.saturating_mul(i64::from(quantity));
    let pct = i64::from(percent_off.min(100));
    gross - (gross * pct + 50) / 100
}

#[no_mangle]
pub unsafe extern "C" fn pos_free_string(s: *mut c_char) { // expect: lane3 security
    if !s.is_null() {
        drop(CString::from_raw(s));
    }
}
