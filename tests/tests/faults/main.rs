//! Faults: a database that stops or turns read-only, a cluster's first start
//! and restarts, and thousands of generated bad inputs. One test binary, one
//! module per fault. Each fault test that stops a database uses a cluster of
//! its own, so it touches no other test. (`security.rs` stays a binary of its
//! own: it captures every log line at TRACE level, process-wide.)

mod embedded_pg;
mod outage;
mod read_only;
mod robustness;
