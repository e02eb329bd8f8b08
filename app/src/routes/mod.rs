//! One component per route.

pub mod account;
pub mod admin;
pub mod audit;
pub mod bulk;
pub mod company;
pub mod compare;
pub mod enter;
pub mod history;
pub mod methodology;
pub mod not_found;
pub mod overview;
