//! Real pages in headless Chromium over WebDriver: server-rendered, hydrated,
//! and the analysts' workflows through the real UI. One test binary, one
//! module per area, sharing one ChromeDriver.

mod entry;
mod pages;
mod scorecard;
mod workflows;
