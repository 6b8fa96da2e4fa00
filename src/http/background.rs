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

    /// Runs `task` on the main runtime and waits for its answer. A request's call to Sentry goes
    /// through here: reqwest drives the connections it opens on the runtime that opened them,
    /// and an actix worker's runtime is the first thing shutdown stops. `None` when the task
    /// could not finish (the runtime is going away).
    pub async fn run<T: Send + 'static>(
        &self,
        task: impl Future<Output = T> + Send + 'static,
    ) -> Option<T> {
        self.tasks.spawn_on(task, &self.runtime).await.ok()
    }

    /// Takes no more work and waits for what was started.
    pub async fn finish(&self) {
        self.tasks.close();
        self.tasks.wait().await;
    }
}

#[cfg(test)]
mod tests {
    use super::Background;

    fn runtime(name: &str) -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name(name)
            .enable_all()
            .build()
            .expect("runtime")
    }

    #[test]
    fn a_task_run_from_another_runtime_runs_on_the_main_one() {
        let main = runtime("main-runtime");
        let background = main.block_on(async { Background::on_current_runtime() });
        let worker = runtime("actix-worker");
        let ran_on = worker.block_on(async move {
            background
                .run(async { std::thread::current().name().map(str::to_owned) })
                .await
        });
        assert_eq!(ran_on, Some(Some("main-runtime".to_owned())));
    }
}
