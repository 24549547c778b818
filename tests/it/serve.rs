//! `herald serve` over real HTTP on a loopback port.

use crate::support::Site;

#[test]
fn healthz_answers_ok_when_the_database_opens() {
    let site = Site::new();
    let server = site.serve(&[]);
    let reply = server.get("/healthz");
    assert_eq!(reply.status, 200, "{}", server.describe());
    assert_eq!(reply.body.trim(), "ok");
}

#[test]
fn sigterm_shuts_down_cleanly() {
    let site = Site::new();
    let server = site.serve(&[]);
    assert_eq!(server.get("/healthz").status, 200);
    let (code, stderr) = server.terminate();
    assert_eq!(code, Some(0), "{stderr}");
}
