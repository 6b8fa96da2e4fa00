//! The relay binary run as a child process whose stdout and stderr go to files, and killed
//! however the test ends.

use std::path::PathBuf;
use std::process::{Command, Stdio};

/// Where a run writes its output, and the environment it runs with.
pub(super) struct Run {
    pub(super) env: Vec<(String, String)>,
    pub(super) out: PathBuf,
}

impl Run {
    pub(super) fn command(&self, args: &[&str], name: &str) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_sentry-dingtalk"));
        cmd.args(args).env_clear();
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        let file = |suffix: &str| {
            std::fs::File::create(self.out.join(format!("{name}.{suffix}"))).expect("log file")
        };
        cmd.stdout(Stdio::from(file("stdout")))
            .stderr(Stdio::from(file("stderr")));
        cmd
    }

    /// Everything every process of the run printed.
    pub(super) fn output(&self) -> String {
        let mut all = String::new();
        for entry in std::fs::read_dir(&self.out).expect("out dir") {
            let path = entry.expect("entry").path();
            if path
                .extension()
                .is_some_and(|e| e == "stdout" || e == "stderr")
            {
                all.push_str(&std::fs::read_to_string(&path).expect("read log"));
            }
        }
        all
    }
}

/// A child relay that is killed when the test ends, passed or not: a relay left running
/// would keep every file descriptor it inherited.
pub(super) struct Stopped(pub(super) std::process::Child);

impl Stopped {
    pub(super) fn stop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Drop for Stopped {
    fn drop(&mut self) {
        self.stop();
    }
}
