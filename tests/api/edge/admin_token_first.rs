//! The admin API checks its token before it reads a body: a stranger's upload is refused
//! unread, with 401, whatever its size.

use super::*;

/// Declared larger than the API's body limit and never sent: the answer is about the token
/// (401), not the size (413), and comes without the body (a wrong token is answered late,
/// so a body read beside the check was refused first).
#[tokio::test]
async fn the_admin_api_refuses_a_stranger_before_reading_the_body() {
    let app = spawn_app_with(|s| s.admin_token = Some(Secret::new("admin-token-first-0123"))).await;
    for path in ["/api/silences", "/api/oncall/backend/overrides"] {
        let headers = [("Content-Type", "application/json")];
        let mut stranger = partial_upload(&app.address, path, &headers, 2 * MIB, 0).await;
        assert_eq!(
            read_status(&mut stranger, Duration::from_secs(2)).await,
            Some(401),
            "{path}"
        );
        let bearer = [
            ("Content-Type", "application/json"),
            ("Authorization", "Bearer admin-token-first-0123"),
        ];
        // With the token, the size is what is wrong (the rota does not exist: 404 first).
        if path == "/api/silences" {
            let mut admin = partial_upload(&app.address, path, &bearer, 2 * MIB, 0).await;
            assert_eq!(
                read_status(&mut admin, Duration::from_secs(2)).await,
                Some(413),
                "{path}"
            );
        }
    }
}
