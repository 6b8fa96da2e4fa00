//! Start-up wiring and process life: settings in force, the listener and senders, signals.

mod capacity;
pub mod shutdown;
pub mod startup;
pub mod telemetry;
