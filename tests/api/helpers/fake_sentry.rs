//! Sentry's API as the tests fake it with wiremock.

use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

/// Every GET that no mock mounted before takes answers 404: Sentry knows no such issue, so the
/// relay goes on with what the webhook told it.
pub async fn mount_get_404(server: &MockServer) {
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(404))
        .mount(server)
        .await;
}
