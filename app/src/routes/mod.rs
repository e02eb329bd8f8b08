//! One component per route.

pub mod company;
pub mod methodology;
pub mod not_found;
pub mod overview;
