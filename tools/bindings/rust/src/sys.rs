// SPDX-License-Identifier: GPL-2.0
//! The raw interface: the structures and ioctl numbers of
//! `include/uapi/linux/chan.h`, and the few C library functions the crate
//! calls (std links the C library anyway).
//!
//! Every structure is `#[repr(C)]` with a compile-time check of its size
//! against the header's `CHAN_*_SIZE_VER0`, and every ioctl number is
//! computed from the structure's size the way `_IOWR()` does it.

use std::io;
use std::mem::size_of;
use std::os::raw::{c_int, c_long, c_ulong, c_void};
use std::os::unix::io::RawFd;

#[cfg(not(target_os = "linux"))]
compile_error!("chan is a Linux kernel module: this crate builds for Linux only");

// The errno values and ioctl encodings below are those of the
// architectures that use asm-generic's errno.h.  MIPS, SPARC, Alpha and
// PA-RISC number their errors differently.
#[cfg(any(
    target_arch = "mips",
    target_arch = "mips64",
    target_arch = "sparc",
    target_arch = "sparc64"
))]
compile_error!("chan: the errno values of this architecture are not written down here");

// ---------------------------------------------------------------------------
// Constants of the header.

pub(crate) const NAME_MAX: usize = 64;
pub(crate) const BATCH_MAX: usize = 1024;
pub(crate) const TIMEOUT_INFINITE: u64 = !0;
pub(crate) const RING_MAGIC: u32 = 0x6368_6e52;

pub(crate) const SINGLE_PRODUCER: u32 = 1 << 0;
pub(crate) const SINGLE_CONSUMER: u32 = 1 << 1;
pub(crate) const CLOEXEC: u32 = 1 << 2;
pub(crate) const NONBLOCK: u32 = 1 << 3;
pub(crate) const MAPPABLE: u32 = 1 << 4;

pub(crate) const ROLE_RECV: u32 = 1;
pub(crate) const ROLE_SEND: u32 = 2;

pub(crate) const RING_CLOSED: u32 = 1 << 0;
pub(crate) const RING_NO_RECEIVERS: u32 = 1 << 1;

pub(crate) const LIMITS_EXEMPT: u32 = 1 << 0;

// ---------------------------------------------------------------------------
// Structures.

/// Marks the plain-integer structures below: all zeroes is a valid value.
///
/// # Safety
/// Only for `#[repr(C)]` structures made of integers and integer arrays.
pub(crate) unsafe trait Plain: Sized {
    /// The structure with every byte zero.
    fn zeroed() -> Self {
        // SAFETY: the implementor is made of integers only.
        unsafe { std::mem::zeroed() }
    }
}

#[repr(C)]
pub(crate) struct ChanVersion {
    pub size: u32,
    pub abi_version: u32,
    pub features: u64,
    pub max_capacity: u32,
    pub max_msg_size: u32,
    pub reserved: [u64; 2],
}

#[repr(C)]
pub(crate) struct ChanCreate {
    pub size: u32,
    pub kind: u32,
    pub flags: u32,
    pub policy: u32,
    pub capacity: u32,
    pub msg_max: u32,
    pub mode: u32,
    pub reserved0: u32,
    pub name: u64,
    pub recv_fd: i32,
    pub send_fd: i32,
    pub reserved: [u64; 2],
}

#[repr(C)]
pub(crate) struct ChanOpen {
    pub size: u32,
    pub role: u32,
    pub flags: u32,
    pub fd: i32,
    pub name: u64,
    pub reserved: [u64; 2],
}

#[repr(C)]
pub(crate) struct ChanUnlink {
    pub size: u32,
    pub flags: u32,
    pub name: u64,
}

#[repr(C)]
pub(crate) struct ChanInfo {
    pub size: u32,
    pub kind: u32,
    pub flags: u32,
    pub policy: u32,
    pub capacity: u32,
    pub msg_max: u32,
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    pub role: u32,
    pub senders: u32,
    pub receivers: u32,
    pub send_waiters: u32,
    pub recv_waiters: u32,
    pub closed: u32,
    pub reserved0: u32,
    pub id: u64,
    pub depth: u64,
    pub sent: u64,
    pub received: u64,
    pub dropped: u64,
    pub overwritten: u64,
    pub send_waits: u64,
    pub recv_waits: u64,
    pub name: [u8; NAME_MAX],
    pub map_size: u64,
    pub rejects: u64,
    pub cancelled: u64,
    pub reserved: u64,
}

#[repr(C)]
pub(crate) struct ChanList {
    pub size: u32,
    pub entry_size: u32,
    pub count: u32,
    pub total: u32,
    pub entries: u64,
}

#[repr(C)]
pub(crate) struct ChanLimits {
    pub size: u32,
    pub flags: u32,
    pub channels: u32,
    pub max_channels: u32,
    pub bytes: u64,
    pub max_bytes: u64,
    pub channels_left: u32,
    pub reserved0: u32,
    pub bytes_left: u64,
    pub reserved: [u64; 2],
}

#[repr(C)]
pub(crate) struct ChanMsg {
    pub buf: u64,
    pub len: u32,
    pub flags: u32,
    pub id: u64,
}

#[repr(C)]
pub(crate) struct ChanBatch {
    pub size: u32,
    pub count: u32,
    pub done: u32,
    pub flags: u32,
    pub msgs: u64,
    pub timeout_ns: u64,
    pub reserved: [u64; 2],
}

#[repr(C)]
pub(crate) struct ChanCall {
    pub size: u32,
    pub flags: u32,
    pub req: u64,
    pub req_len: u32,
    pub reply_len: u32,
    pub reply: u64,
    pub timeout_ns: u64,
    pub id: u64,
    pub reserved: [u64; 2],
}

/// The start of a mapped ring; accessed through raw pointers only (every
/// word of it is shared with the kernel and the other side).
#[repr(C)]
pub(crate) struct ChanRingHdr {
    pub tail: u32,
    pub recv_wake: u32,
    pub pad0: [u32; 30],
    pub head: u32,
    pub send_wake: u32,
    pub pad1: [u32; 30],
    pub magic: u32,
    pub state: u32,
    pub capacity: u32,
    pub msg_max: u32,
    pub stride: u32,
    pub slots_offset: u32,
    pub map_size: u64,
}

#[repr(C)]
pub(crate) struct ChanWait {
    pub size: u32,
    pub flags: u32,
    pub timeout_ns: u64,
    pub reserved: [u64; 2],
}

unsafe impl Plain for ChanVersion {}
unsafe impl Plain for ChanCreate {}
unsafe impl Plain for ChanOpen {}
unsafe impl Plain for ChanUnlink {}
unsafe impl Plain for ChanInfo {}
unsafe impl Plain for ChanList {}
unsafe impl Plain for ChanLimits {}
unsafe impl Plain for ChanMsg {}
unsafe impl Plain for ChanBatch {}
unsafe impl Plain for ChanCall {}
unsafe impl Plain for ChanWait {}

// CHAN_*_SIZE_VER0 of the header: every structure is at its first version.
const _: () = assert!(size_of::<ChanVersion>() == 40);
const _: () = assert!(size_of::<ChanCreate>() == 64);
const _: () = assert!(size_of::<ChanOpen>() == 40);
const _: () = assert!(size_of::<ChanUnlink>() == 16);
const _: () = assert!(size_of::<ChanInfo>() == 224);
const _: () = assert!(size_of::<ChanList>() == 24);
const _: () = assert!(size_of::<ChanLimits>() == 64);
const _: () = assert!(size_of::<ChanBatch>() == 48);
const _: () = assert!(size_of::<ChanCall>() == 64);
const _: () = assert!(size_of::<ChanWait>() == 32);
const _: () = assert!(size_of::<ChanMsg>() == 24);
const _: () = assert!(size_of::<ChanRingHdr>() == 288);

/// The `size` word of a structure.
pub(crate) const fn size32<T>() -> u32 {
    size_of::<T>() as u32
}

// ---------------------------------------------------------------------------
// ioctl numbers, as <asm-generic/ioctl.h> (and powerpc's) encode them.

#[cfg(not(any(target_arch = "powerpc", target_arch = "powerpc64")))]
mod ioc {
    pub const NONE: u32 = 0;
    pub const WRITE: u32 = 1;
    pub const READ: u32 = 2;
    pub const SIZEBITS: u32 = 14;
}

#[cfg(any(target_arch = "powerpc", target_arch = "powerpc64"))]
mod ioc {
    pub const NONE: u32 = 1;
    pub const READ: u32 = 2;
    pub const WRITE: u32 = 4;
    pub const SIZEBITS: u32 = 13;
}

#[cfg(target_env = "musl")]
pub(crate) type IoctlReq = c_int;
#[cfg(not(target_env = "musl"))]
pub(crate) type IoctlReq = c_ulong;

const IOC_MAGIC: u32 = 0xC4;

const fn ioc(dir: u32, nr: u32, size: usize) -> IoctlReq {
    assert!(size < (1 << ioc::SIZEBITS));
    ((dir << (16 + ioc::SIZEBITS)) | ((size as u32) << 16) | (IOC_MAGIC << 8) | nr) as IoctlReq
}

const fn io(nr: u32) -> IoctlReq {
    ioc(ioc::NONE, nr, 0)
}

const fn ior<T>(nr: u32) -> IoctlReq {
    ioc(ioc::READ, nr, size_of::<T>())
}

const fn iow<T>(nr: u32) -> IoctlReq {
    ioc(ioc::WRITE, nr, size_of::<T>())
}

const fn iowr<T>(nr: u32) -> IoctlReq {
    ioc(ioc::READ | ioc::WRITE, nr, size_of::<T>())
}

pub(crate) const IOC_VERSION: IoctlReq = iowr::<ChanVersion>(0x00);
pub(crate) const IOC_CREATE: IoctlReq = iowr::<ChanCreate>(0x01);
pub(crate) const IOC_OPEN: IoctlReq = iowr::<ChanOpen>(0x02);
pub(crate) const IOC_UNLINK: IoctlReq = iow::<ChanUnlink>(0x03);
pub(crate) const IOC_LIST: IoctlReq = iowr::<ChanList>(0x04);
pub(crate) const IOC_LIMITS: IoctlReq = iowr::<ChanLimits>(0x05);
pub(crate) const IOC_INFO: IoctlReq = iowr::<ChanInfo>(0x10);
pub(crate) const IOC_CLOSE: IoctlReq = io(0x11);
pub(crate) const IOC_LOST: IoctlReq = ior::<u64>(0x12);
pub(crate) const IOC_SEND_BATCH: IoctlReq = iowr::<ChanBatch>(0x13);
pub(crate) const IOC_RECV_BATCH: IoctlReq = iowr::<ChanBatch>(0x14);
pub(crate) const IOC_SUBSCRIBE: IoctlReq = io(0x15);
pub(crate) const IOC_CALL: IoctlReq = iowr::<ChanCall>(0x16);
pub(crate) const IOC_REPLY: IoctlReq = iowr::<ChanBatch>(0x17);
pub(crate) const IOC_WAIT: IoctlReq = iow::<ChanWait>(0x18);
pub(crate) const IOC_WAKE: IoctlReq = io(0x19);

// ---------------------------------------------------------------------------
// errno values (asm-generic) that std's io::ErrorKind does not name on the
// toolchains this crate supports.

pub(crate) const EPIPE: i32 = 32;
pub(crate) const EAGAIN: i32 = 11;
pub(crate) const EINTR: i32 = 4;
pub(crate) const EINVAL: i32 = 22;
pub(crate) const EMSGSIZE: i32 = 90;
pub(crate) const EALREADY: i32 = 114;
pub(crate) const EOVERFLOW: i32 = 75;
pub(crate) const ETIMEDOUT: i32 = 110;
pub(crate) const ECONNRESET: i32 = 104;
pub(crate) const EPROTO: i32 = 71;

// ---------------------------------------------------------------------------
// The C library.

const F_GETFL: c_int = 3;
const F_SETFL: c_int = 4;
const F_DUPFD_CLOEXEC: c_int = 1030;
const O_NONBLOCK: c_int = 0o4000;
const PROT_READ: c_int = 1;
const PROT_WRITE: c_int = 2;
const MAP_SHARED: c_int = 1;

extern "C" {
    fn ioctl(fd: c_int, request: IoctlReq, ...) -> c_int;
    fn read(fd: c_int, buf: *mut c_void, count: usize) -> isize;
    fn write(fd: c_int, buf: *const c_void, count: usize) -> isize;
    fn fcntl(fd: c_int, cmd: c_int, ...) -> c_int;
    fn mmap(
        addr: *mut c_void,
        len: usize,
        prot: c_int,
        flags: c_int,
        fd: c_int,
        offset: c_long,
    ) -> *mut c_void;
    fn munmap(addr: *mut c_void, len: usize) -> c_int;
}

fn cvt(r: c_int) -> io::Result<c_int> {
    if r < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(r)
    }
}

fn cvt_size(r: isize) -> io::Result<usize> {
    if r < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(r as usize)
    }
}

/// An ioctl whose argument is a pointer to `*arg`.
pub(crate) fn ioctl_ptr<T>(fd: RawFd, req: IoctlReq, arg: &mut T) -> io::Result<c_int> {
    // SAFETY: `arg` is a live, writable structure of the size `req` encodes.
    cvt(unsafe { ioctl(fd, req, arg as *mut T as *mut c_void) })
}

/// An ioctl whose argument is an integer (or none).
pub(crate) fn ioctl_val(fd: RawFd, req: IoctlReq, arg: c_ulong) -> io::Result<c_int> {
    // SAFETY: the kernel reads no memory for these requests.
    cvt(unsafe { ioctl(fd, req, arg) })
}

/// read(2) into `len` bytes at `buf`.
///
/// # Safety
/// `buf` must be valid for writes of `len` bytes.
pub(crate) unsafe fn read_raw(fd: RawFd, buf: *mut u8, len: usize) -> io::Result<usize> {
    // SAFETY: the caller vouches for buf.
    cvt_size(unsafe { read(fd, buf as *mut c_void, len) })
}

/// write(2) of `buf`.
pub(crate) fn write_all(fd: RawFd, buf: &[u8]) -> io::Result<usize> {
    // SAFETY: buf is a valid slice.
    cvt_size(unsafe { write(fd, buf.as_ptr() as *const c_void, buf.len()) })
}

/// fcntl(F_DUPFD_CLOEXEC): a new descriptor of the same open file
/// description.
pub(crate) fn dup_cloexec(fd: RawFd) -> io::Result<RawFd> {
    // SAFETY: plain integer arguments.
    cvt(unsafe { fcntl(fd, F_DUPFD_CLOEXEC, 3 as c_int) })
}

/// Whether O_NONBLOCK is set on the open file description.
pub(crate) fn nonblocking(fd: RawFd) -> io::Result<bool> {
    // SAFETY: plain integer arguments.
    let fl = cvt(unsafe { fcntl(fd, F_GETFL) })?;
    Ok(fl & O_NONBLOCK != 0)
}

/// Set or clear O_NONBLOCK on the open file description (shared with
/// every duplicate of the descriptor).
pub(crate) fn set_nonblocking(fd: RawFd, on: bool) -> io::Result<()> {
    // SAFETY: plain integer arguments.
    let fl = cvt(unsafe { fcntl(fd, F_GETFL) })?;
    let new = if on {
        fl | O_NONBLOCK
    } else {
        fl & !O_NONBLOCK
    };
    if new != fl {
        // SAFETY: plain integer arguments.
        cvt(unsafe { fcntl(fd, F_SETFL, new) })?;
    }
    Ok(())
}

/// mmap(2) `len` bytes of `fd` at offset 0, shared, readable and writable.
pub(crate) fn map_shared(fd: RawFd, len: usize) -> io::Result<*mut u8> {
    // SAFETY: a new mapping, at an address the kernel picks.
    let p = unsafe {
        mmap(
            std::ptr::null_mut(),
            len,
            PROT_READ | PROT_WRITE,
            MAP_SHARED,
            fd,
            0,
        )
    };
    if p as isize == -1 {
        Err(io::Error::last_os_error())
    } else {
        Ok(p as *mut u8)
    }
}

/// munmap(2).
///
/// # Safety
/// `addr`/`len` must be a mapping made by [`map_shared`] that nothing uses
/// any more.
pub(crate) unsafe fn unmap(addr: *mut u8, len: usize) {
    // SAFETY: the caller vouches for the mapping.
    unsafe {
        munmap(addr as *mut c_void, len);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The numbers the C compiler gives for <linux/chan.h> on x86_64.
    #[test]
    #[cfg(target_arch = "x86_64")]
    fn ioctl_numbers_match_the_header() {
        let want: [(IoctlReq, IoctlReq); 16] = [
            (IOC_VERSION, 0xc028c400),
            (IOC_CREATE, 0xc040c401),
            (IOC_OPEN, 0xc028c402),
            (IOC_UNLINK, 0x4010c403),
            (IOC_LIST, 0xc018c404),
            (IOC_LIMITS, 0xc040c405),
            (IOC_INFO, 0xc0e0c410),
            (IOC_CLOSE, 0xc411),
            (IOC_LOST, 0x8008c412),
            (IOC_SEND_BATCH, 0xc030c413),
            (IOC_RECV_BATCH, 0xc030c414),
            (IOC_SUBSCRIBE, 0xc415),
            (IOC_CALL, 0xc040c416),
            (IOC_REPLY, 0xc030c417),
            (IOC_WAIT, 0x4020c418),
            (IOC_WAKE, 0xc419),
        ];
        for (got, want) in want {
            assert_eq!(got, want, "{got:#x} != {want:#x}");
        }
    }

    #[test]
    fn ring_header_offsets() {
        let h = std::mem::MaybeUninit::<ChanRingHdr>::uninit();
        let base = h.as_ptr() as usize;
        let off = |p: *const u32| p as usize - base;
        // SAFETY: only addresses are taken, nothing is read.
        unsafe {
            let p = h.as_ptr();
            assert_eq!(off(std::ptr::addr_of!((*p).tail)), 0);
            assert_eq!(off(std::ptr::addr_of!((*p).recv_wake)), 4);
            assert_eq!(off(std::ptr::addr_of!((*p).head)), 128);
            assert_eq!(off(std::ptr::addr_of!((*p).send_wake)), 132);
            assert_eq!(off(std::ptr::addr_of!((*p).magic)), 256);
            assert_eq!(off(std::ptr::addr_of!((*p).state)), 260);
            assert_eq!(off(std::ptr::addr_of!((*p).slots_offset)), 276);
        }
    }
}
