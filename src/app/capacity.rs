//! How many connections the server holds: what the open-file limit and the cores allow, with
//! room kept for the outbox, logs and outgoing requests.

/// Sentry sends one webhook per connection. Each open connection costs two 8 KiB buffers, so
/// a worker thread takes at most this many (fewer when the open-file limit is lower).
const MAX_CONNECTIONS_PER_WORKER: usize = 2048;
/// Open files kept for the outbox, logs and outgoing requests.
const FILES_RESERVED: u64 = 256;

/// How many connections the server holds, and how many of them may be reading a body.
#[derive(Debug)]
pub(super) struct Capacity {
    pub workers: usize,
    pub per_worker: usize,
    /// A quarter of the connections: stalled bodies past it are cut off (oldest first), so
    /// the other slots stay free for new connections — Sentry's among them.
    pub bodies: usize,
    pub open_files: u64,
}

impl Capacity {
    /// Raises the open-file limit to its hard limit first (a container often starts at 1,024).
    pub fn at_start() -> Self {
        let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
        let open_files = rlimit::increase_nofile_limit(u64::MAX).unwrap_or_else(|e| {
            tracing::warn!(error = %e, "cannot read or raise the open-file limit");
            1024
        });
        let usable = open_files.saturating_sub(FILES_RESERVED).max(64);
        let per_worker = (usable as usize / workers).clamp(16, MAX_CONNECTIONS_PER_WORKER);
        Self {
            workers,
            per_worker,
            bodies: (per_worker * workers / 4).max(1),
            open_files,
        }
    }
}
