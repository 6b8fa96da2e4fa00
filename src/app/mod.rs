//! Start-up wiring and process life: settings in force, the listener and senders, signals.

pub mod shutdown;
pub mod startup;
pub mod telemetry;
