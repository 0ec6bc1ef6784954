//! Accounts: organisations, users, practice API keys, and logging in. Functions take any
//! connection, so callers can run them inside a transaction with their audit record.

use crate::audit::{self, Actor};
use crate::auth::session::Session;
use crate::auth::{Role, api_key, password, throttle};
use crate::entities::{organisation, practice_api_key, user};
use crate::error::ApiError;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, QueryOrder, Set,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// Organisation kinds.
pub const ORGANISATION_KINDS: [&str; 3] = ["sponsor", "practice", "site"];

/// A new organisation.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOrganisation {
    /// Display name.
    pub name: String,
    /// `sponsor`, `practice` or `site`.
    #[schema(example = "sponsor")]
    pub kind: String,
}

/// Creates an organisation.
/// The longest organisation name, in characters.
pub const MAX_ORGANISATION_NAME: usize = 200;

async fn create_organisation_in<C: ConnectionTrait>(
    db: &C,
    new: NewOrganisation,
) -> Result<organisation::Model, ApiError> {
    let name = new.name.trim();
    if name.is_empty() {
        return Err(ApiError::invalid("$.name", "required", "the name is empty"));
    }
    if name.chars().count() > MAX_ORGANISATION_NAME {
        return Err(ApiError::invalid(
            "$.name",
            "too_long",
            format!("the name has more than {MAX_ORGANISATION_NAME} characters"),
        ));
    }
    if name.chars().any(char::is_control) {
        return Err(ApiError::invalid(
            "$.name",
            "control_character",
            "the name contains a control character (NUL, a line break, a tab…)",
        ));
    }
    if !ORGANISATION_KINDS.contains(&new.kind.as_str()) {
        return Err(ApiError::invalid(
            "$.kind",
            "unknown_kind",
            format!(
                "`{}` is not an organisation kind: use sponsor, practice or site",
                new.kind
            ),
        ));
    }
    Ok(organisation::ActiveModel {
        id: Set(Uuid::now_v7()),
        name: Set(name.to_string()),
        kind: Set(new.kind),
        created_at: Set(Utc::now()),
    }
    .insert(db)
    .await?)
}

/// A new user.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    /// Login email.
    pub email: String,
    /// Password, at least 12 characters.
    pub password: String,
    /// `admin`, `sponsor`, `coordinator` or `gp`.
    pub role: String,
    /// The user's organisation (none for admins).
    #[serde(default)]
    pub organisation_id: Option<Uuid>,
}

/// A user as shown to clients (never the password hash).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UserView {
    /// Id.
    pub id: Uuid,
    /// Email.
    pub email: String,
    /// Role.
    pub role: String,
    /// Organisation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organisation_id: Option<Uuid>,
    /// Whether the user may log in.
    pub active: bool,
}

impl From<user::Model> for UserView {
    fn from(u: user::Model) -> UserView {
        UserView {
            id: u.id,
            email: u.email,
            role: u.role,
            organisation_id: u.organisation_id,
            active: u.active,
        }
    }
}

/// Normalises an email: trimmed, lower case, and plausibly an address.
pub fn normalise_email(email: &str) -> Result<String, ApiError> {
    let e = email.trim().to_lowercase();
    let valid = e.len() <= 254
        && !e.contains(char::is_whitespace)
        && e.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        });
    if valid {
        Ok(e)
    } else {
        Err(ApiError::invalid(
            "$.email",
            "invalid_email",
            format!("`{}` is not an email address", email.trim()),
        ))
    }
}

/// Creates a user, checking that the role fits the organisation.
async fn create_user_in<C: ConnectionTrait>(db: &C, new: NewUser) -> Result<user::Model, ApiError> {
    let email = normalise_email(&new.email)?;
    let role: Role = new
        .role
        .parse()
        .map_err(|m: String| ApiError::invalid("$.role", "unknown_role", m))?;
    if new.password.chars().count() < password::MIN_LENGTH {
        return Err(ApiError::invalid(
            "$.password",
            "password_too_short",
            format!("use at least {} characters", password::MIN_LENGTH),
        ));
    }
    match (role.organisation_kind(), new.organisation_id) {
        (None, Some(_)) => {
            return Err(ApiError::invalid(
                "$.organisation_id",
                "organisation_not_allowed",
                "administrators belong to no organisation",
            ));
        }
        (Some(kind), None) => {
            return Err(ApiError::invalid(
                "$.organisation_id",
                "required",
                format!("a {} belongs to a {kind} organisation", role.as_str()),
            ));
        }
        (Some(kind), Some(id)) => {
            let org = organisation::Entity::find_by_id(id).one(db).await?;
            match org {
                None => {
                    return Err(ApiError::invalid(
                        "$.organisation_id",
                        "unknown_organisation",
                        format!("no organisation {id}"),
                    ));
                }
                Some(o) if o.kind != kind => {
                    return Err(ApiError::invalid(
                        "$.organisation_id",
                        "wrong_organisation_kind",
                        format!(
                            "a {} belongs to a {kind} organisation, not a {}",
                            role.as_str(),
                            o.kind
                        ),
                    ));
                }
                Some(_) => {}
            }
        }
        (None, None) => {}
    }
    if user::Entity::find()
        .filter(user::Column::Email.eq(&email))
        .one(db)
        .await?
        .is_some()
    {
        return Err(ApiError::Conflict(format!(
            "a user with email {email} exists"
        )));
    }
    let hash = password::hash_blocking(new.password).await?;
    Ok(user::ActiveModel {
        id: Set(Uuid::now_v7()),
        email: Set(email),
        password_hash: Set(hash),
        role: Set(role.as_str().into()),
        organisation_id: Set(new.organisation_id),
        active: Set(true),
        created_at: Set(Utc::now()),
        session_generation: Set(0),
    }
    .insert(db)
    .await?)
}

/// Checks credentials, with throttling per email and per client `address`. The attempt is
/// recorded (as a failure) before the password is checked, so parallel attempts cannot pass
/// the limit together (`auth::throttle`); a request that finds no turn to hash is a
/// `server_busy` and is not counted.
pub async fn login<C: ConnectionTrait>(
    db: &C,
    email: &str,
    password: &str,
    client: throttle::Client<'_>,
    now: DateTime<Utc>,
) -> Result<user::Model, ApiError> {
    let email = email.trim().to_lowercase();
    let attempt = match throttle::begin(db, &email, client, now).await? {
        Ok(attempt) => attempt,
        Err(wait) => return Err(ApiError::TooManyAttempts(wait)),
    };
    let found = match user::Entity::find()
        .filter(user::Column::Email.eq(&email))
        .one(db)
        .await
    {
        Ok(found) => found,
        Err(e) => {
            let _ = throttle::abandon(db, attempt).await;
            return Err(e.into());
        }
    };
    // Verify even for unknown emails, so that timing does not tell which exist.
    let phc = found.as_ref().map(|u| u.password_hash.clone());
    let ok = match password::verify_blocking(password.to_string(), phc).await {
        Ok(ok) => ok,
        Err(e) => {
            throttle::abandon(db, attempt).await?;
            return Err(e);
        }
    };
    let user = found
        .filter(|u| ok && u.active)
        .ok_or(ApiError::InvalidCredentials)?;
    match throttle::succeed(db, attempt, &email, now).await? {
        Ok(()) => Ok(user),
        Err(wait) => Err(ApiError::TooManyAttempts(wait)),
    }
}

/// Every user, by email.
pub async fn list_users<C: ConnectionTrait>(db: &C) -> Result<Vec<UserView>, ApiError> {
    Ok(user::Entity::find()
        .order_by_asc(user::Column::Email)
        .all(db)
        .await?
        .into_iter()
        .map(UserView::from)
        .collect())
}

/// Every organisation, by name.
pub async fn list_organisations<C: ConnectionTrait>(
    db: &C,
) -> Result<Vec<organisation::Model>, ApiError> {
    Ok(organisation::Entity::find()
        .order_by_asc(organisation::Column::Name)
        .all(db)
        .await?)
}

/// An API key as listed (never the key or its hash).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ApiKeyView {
    /// Id.
    pub id: Uuid,
    /// Label.
    pub label: String,
    /// First characters of the key.
    pub prefix: String,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Revocation time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<DateTime<Utc>>,
}

impl From<practice_api_key::Model> for ApiKeyView {
    fn from(k: practice_api_key::Model) -> ApiKeyView {
        ApiKeyView {
            id: k.id,
            label: k.label,
            prefix: k.prefix,
            created_at: k.created_at,
            revoked_at: k.revoked_at,
        }
    }
}

/// Creates an API key for a practice; returns it with the key, which is shown only now.
async fn create_api_key_in<C: ConnectionTrait>(
    db: &C,
    organisation_id: Uuid,
    label: &str,
) -> Result<(ApiKeyView, String), ApiError> {
    let org = organisation::Entity::find_by_id(organisation_id)
        .one(db)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("organisation {organisation_id}")))?;
    if org.kind != "practice" {
        return Err(ApiError::invalid(
            "$",
            "not_a_practice",
            "API keys are for practices only",
        ));
    }
    let label = label.trim();
    if label.is_empty() {
        return Err(ApiError::invalid(
            "$.label",
            "required",
            "give the key a label (where it is used)",
        ));
    }
    let new = api_key::generate();
    let model = practice_api_key::ActiveModel {
        id: Set(Uuid::now_v7()),
        organisation_id: Set(organisation_id),
        label: Set(label.to_string()),
        prefix: Set(new.prefix),
        key_hash: Set(new.hash),
        created_at: Set(Utc::now()),
        revoked_at: Set(None),
        last_used_at: Set(None),
    }
    .insert(db)
    .await?;
    Ok((model.into(), new.key))
}

/// A practice's keys.
pub async fn list_api_keys<C: ConnectionTrait>(
    db: &C,
    organisation_id: Uuid,
) -> Result<Vec<ApiKeyView>, ApiError> {
    Ok(practice_api_key::Entity::find()
        .filter(practice_api_key::Column::OrganisationId.eq(organisation_id))
        .order_by_asc(practice_api_key::Column::CreatedAt)
        .all(db)
        .await?
        .into_iter()
        .map(ApiKeyView::from)
        .collect())
}

/// Revokes a key (idempotent).
async fn revoke_api_key_in<C: ConnectionTrait>(db: &C, id: Uuid) -> Result<ApiKeyView, ApiError> {
    let key = practice_api_key::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("API key {id}")))?;
    if key.revoked_at.is_some() {
        return Ok(key.into());
    }
    let mut active: practice_api_key::ActiveModel = key.into();
    active.revoked_at = Set(Some(Utc::now()));
    Ok(active.update(db).await?.into())
}

fn json<T: Serialize>(v: &T) -> Result<serde_json::Value, ApiError> {
    serde_json::to_value(v).map_err(|e| ApiError::Internal(e.into()))
}

/// Creates an organisation, with its audit record, in one transaction.
pub async fn create_organisation(
    db: &DatabaseConnection,
    actor: &Actor,
    new: NewOrganisation,
) -> Result<organisation::Model, ApiError> {
    let txn = crate::db::write(db).await?;
    let org = create_organisation_in(&txn, new).await?;
    let after = serde_json::json!({"name": org.name, "kind": org.kind});
    audit::append(
        &txn,
        actor,
        "organisation.create",
        "organisation",
        &org.id.to_string(),
        None,
        Some(&after),
    )
    .await?;
    txn.commit().await?;
    Ok(org)
}

/// Creates a user, with its audit record (never the password hash), in one transaction.
pub async fn create_user(
    db: &DatabaseConnection,
    actor: &Actor,
    new: NewUser,
) -> Result<user::Model, ApiError> {
    let txn = crate::db::write(db).await?;
    let user = create_user_in(&txn, new).await?;
    let after = json(&UserView::from(user.clone()))?;
    audit::append(
        &txn,
        actor,
        "user.create",
        "user",
        &user.id.to_string(),
        None,
        Some(&after),
    )
    .await?;
    txn.commit().await?;
    Ok(user)
}

/// Creates a practice API key, with its audit record (never the key), in one transaction.
pub async fn create_api_key(
    db: &DatabaseConnection,
    actor: &Actor,
    organisation_id: Uuid,
    label: &str,
) -> Result<(ApiKeyView, String), ApiError> {
    let txn = crate::db::write(db).await?;
    let (view, key) = create_api_key_in(&txn, organisation_id, label).await?;
    audit::append(
        &txn,
        actor,
        "api_key.create",
        "api_key",
        &view.id.to_string(),
        None,
        Some(&json(&view)?),
    )
    .await?;
    txn.commit().await?;
    Ok((view, key))
}

/// Revokes a key, with its audit record, in one transaction (idempotent: a second
/// revocation changes and records nothing).
pub async fn revoke_api_key(
    db: &DatabaseConnection,
    actor: &Actor,
    id: Uuid,
) -> Result<ApiKeyView, ApiError> {
    let txn = crate::db::write(db).await?;
    let before = practice_api_key::Entity::find_by_id(id).one(&txn).await?;
    let view = revoke_api_key_in(&txn, id).await?;
    if before.is_some_and(|b| b.revoked_at.is_none()) {
        audit::append(
            &txn,
            actor,
            "api_key.revoke",
            "api_key",
            &id.to_string(),
            None,
            Some(&json(&view)?),
        )
        .await?;
    }
    txn.commit().await?;
    Ok(view)
}

/// Ends a session: increments the user's session generation if the session still carries
/// it, which ends every session of the user issued so far, on every replica. Nothing is
/// written for a session already ended.
pub async fn end_session<C: ConnectionTrait>(db: &C, session: &Session) -> Result<(), DbErr> {
    user::Entity::update_many()
        .col_expr(
            user::Column::SessionGeneration,
            Expr::col(user::Column::SessionGeneration).add(1),
        )
        .filter(user::Column::Id.eq(session.user_id))
        .filter(user::Column::SessionGeneration.eq(session.generation))
        .exec(db)
        .await?;
    Ok(())
}

/// Ends every session of a user (the caller's transaction makes it part of a change).
pub async fn revoke_sessions<C: ConnectionTrait>(db: &C, user_id: Uuid) -> Result<(), DbErr> {
    user::Entity::update_many()
        .col_expr(
            user::Column::SessionGeneration,
            Expr::col(user::Column::SessionGeneration).add(1),
        )
        .filter(user::Column::Id.eq(user_id))
        .exec(db)
        .await?;
    Ok(())
}

/// Activates or deactivates a user, with its audit record, in one transaction. Deactivating
/// ends every session of the user (so that reactivating them does not revive old cookies).
pub async fn set_active(
    db: &DatabaseConnection,
    actor: &Actor,
    id: Uuid,
    active: bool,
) -> Result<UserView, ApiError> {
    let txn = crate::db::write(db).await?;
    let found = user::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("user {id}")))?;
    if found.active == active {
        return Ok(found.into());
    }
    let before = json(&UserView::from(found.clone()))?;
    let mut change: user::ActiveModel = found.into();
    change.active = Set(active);
    let updated = change.update(&txn).await?;
    if !active {
        revoke_sessions(&txn, id).await?;
    }
    let view = UserView::from(updated);
    audit::append(
        &txn,
        actor,
        if active {
            "user.activate"
        } else {
            "user.deactivate"
        },
        "user",
        &id.to_string(),
        Some(&before),
        Some(&json(&view)?),
    )
    .await?;
    txn.commit().await?;
    Ok(view)
}

/// Sets a user's password, with its audit record (never the password or its hash), in one
/// transaction; ends every session of the user.
pub async fn set_password(
    db: &DatabaseConnection,
    actor: &Actor,
    id: Uuid,
    new_password: String,
) -> Result<(), ApiError> {
    if new_password.chars().count() < password::MIN_LENGTH {
        return Err(ApiError::invalid(
            "$.password",
            "password_too_short",
            format!("use at least {} characters", password::MIN_LENGTH),
        ));
    }
    let hash = password::hash_blocking(new_password).await?;
    let txn = crate::db::write(db).await?;
    let found = user::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("user {id}")))?;
    let mut change: user::ActiveModel = found.into();
    change.password_hash = Set(hash);
    change.update(&txn).await?;
    revoke_sessions(&txn, id).await?;
    audit::append(
        &txn,
        actor,
        "user.password",
        "user",
        &id.to_string(),
        None,
        None,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}
