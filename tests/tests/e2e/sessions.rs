//! Server-side session revocation: logging out ends the session (a copied cookie is refused,
//! on another replica too), and so do deactivating a user and changing their password.

use e2e::flow::json;
use e2e::{PASSWORD, TestApp, both, spawn_on};
use platform::audit::Actor;

/// A sponsor user: their email, a session cookie and their id.
async fn sponsor(app: &TestApp) -> (String, String, uuid::Uuid) {
    let org = app.seed_organisation("Sessions sponsor", "sponsor").await;
    let email = app.seed_user("sponsor", Some(org)).await;
    let cookie = app.login(&email, PASSWORD).await;
    let me = json(app.get_me(&cookie).await).await;
    let id = me["id"].as_str().unwrap().parse().unwrap();
    (email, cookie, id)
}

both!(
    a_cookie_copied_before_logout_is_refused_on_every_replica,
    |app: TestApp| async move {
        let replica = spawn_on(app.settings.clone()).await;
        let (email, cookie, _) = sponsor(&app).await;
        let copy = cookie.clone();
        assert_eq!(replica.get_me(&copy).await.status(), 200);
        assert_eq!(app.post_logout(&cookie).await.status(), 204);
        assert_eq!(app.get_me(&copy).await.status(), 401);
        assert_eq!(replica.get_me(&copy).await.status(), 401);
        // Logging out again with the dead cookie changes nothing; a new login works everywhere.
        assert_eq!(replica.post_logout(&copy).await.status(), 204);
        let fresh = replica.login(&email, PASSWORD).await;
        assert_eq!(app.get_me(&fresh).await.status(), 200);
        assert_eq!(replica.get_me(&fresh).await.status(), 200);
        assert_eq!(app.get_me(&copy).await.status(), 401);
    }
);

both!(
    a_password_change_or_a_deactivation_ends_every_session,
    |app: TestApp| async move {
        let replica = spawn_on(app.settings.clone()).await;
        let (email, first, id) = sponsor(&app).await;
        let second = replica.login(&email, PASSWORD).await;
        assert_eq!(replica.get_me(&first).await.status(), 200);
        let new_password = "another long password".to_string();
        platform::accounts::set_password(&app.db, &Actor::system(), id, new_password.clone())
            .await
            .unwrap();
        for cookie in [&first, &second] {
            assert_eq!(app.get_me(cookie).await.status(), 401);
            assert_eq!(replica.get_me(cookie).await.status(), 401);
        }
        let after = app.login(&email, &new_password).await;
        assert_eq!(replica.get_me(&after).await.status(), 200);

        let view = platform::accounts::set_active(&app.db, &Actor::system(), id, false)
            .await
            .unwrap();
        assert!(!view.active);
        assert_eq!(replica.get_me(&after).await.status(), 401);
        // Reactivated, the user logs in again; the cookie of before stays dead.
        platform::accounts::set_active(&app.db, &Actor::system(), id, true)
            .await
            .unwrap();
        assert_eq!(app.get_me(&after).await.status(), 401);
        assert_eq!(replica.get_me(&after).await.status(), 401);
        let again = replica.login(&email, &new_password).await;
        assert_eq!(app.get_me(&again).await.status(), 200);
    }
);
