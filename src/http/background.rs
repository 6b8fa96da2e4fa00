//! Work a request starts and does not wait for (what a card click asked for): run on the
//! process's main runtime and awaited at shutdown.
//!
//! actix serves requests on worker threads with runtimes of their own, and stops them first at
//! shutdown; a task spawned from a handler with `tokio::spawn` would be dropped half-way there,
//! after the click was already marked as done.

use std::future::Future;
use tokio::runtime::Handle;
use tokio_util::task::TaskTracker;

#[derive(Clone)]
pub struct Background {
    tasks: TaskTracker,
    runtime: Handle,
}

impl Background {
    /// Tasks will run on the runtime this is called from.
    pub fn on_current_runtime() -> Self {
        Self {
            tasks: TaskTracker::new(),
            runtime: Handle::current(),
        }
    }

    pub fn spawn(&self, task: impl Future<Output = ()> + Send + 'static) {
        self.tasks.spawn_on(task, &self.runtime);
    }

    /// Takes no more work and waits for what was started.
    pub async fn finish(&self) {
        self.tasks.close();
        self.tasks.wait().await;
    }
}
