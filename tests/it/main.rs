//! herald's integration tests, in one binary: one module per area.

mod feeds;
