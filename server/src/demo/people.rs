//! Demo organisations, users and the practice API key: found when they exist, otherwise
//! created through [`platform::accounts`] with an audit record in the same transaction.

use super::{ApiKey, Credential, KEY_LABEL};
use platform::accounts::{self, NewOrganisation, NewUser};
use platform::audit::Actor;
use platform::entities::{organisation, practice_api_key, user};
use platform::error::terminal;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

/// The organisation of this name and kind, created when missing.
pub(crate) async fn organisation(
    db: &DatabaseConnection,
    name: &str,
    kind: &str,
) -> anyhow::Result<Uuid> {
    let found = organisation::Entity::find()
        .filter(organisation::Column::Name.eq(name))
        .filter(organisation::Column::Kind.eq(kind))
        .one(db)
        .await?;
    if let Some(o) = found {
        return Ok(o.id);
    }
    let new = NewOrganisation {
        name: name.into(),
        kind: kind.into(),
    };
    let o = accounts::create_organisation(db, &Actor::system(), new)
        .await
        .map_err(terminal)?;
    Ok(o.id)
}

/// The demo user, created when missing.
pub(crate) async fn user(
    db: &DatabaseConnection,
    c: Credential,
    organisation_id: Option<Uuid>,
) -> anyhow::Result<Uuid> {
    let found = user::Entity::find()
        .filter(user::Column::Email.eq(c.email))
        .one(db)
        .await?;
    if let Some(u) = found {
        if u.role != c.role || u.organisation_id != organisation_id {
            anyhow::bail!(
                "{} exists with another role or organisation: not a demo database?",
                c.email
            );
        }
        return Ok(u.id);
    }
    let new = NewUser {
        email: c.email.into(),
        password: c.password.into(),
        role: c.role.into(),
        organisation_id,
    };
    let u = accounts::create_user(db, &Actor::system(), new)
        .await
        .map_err(terminal)?;
    Ok(u.id)
}

/// The practice's API key: created when the practice has no active key, or when `new_key`.
pub(crate) async fn api_key(
    db: &DatabaseConnection,
    practice: Uuid,
    new_key: bool,
) -> anyhow::Result<ApiKey> {
    let existing = practice_api_key::Entity::find()
        .filter(practice_api_key::Column::OrganisationId.eq(practice))
        .filter(practice_api_key::Column::RevokedAt.is_null())
        .order_by_asc(practice_api_key::Column::CreatedAt)
        .one(db)
        .await?;
    if let Some(k) = existing.filter(|_| !new_key) {
        return Ok(ApiKey::Existing { prefix: k.prefix });
    }
    let (_, key) = accounts::create_api_key(db, &Actor::system(), practice, KEY_LABEL)
        .await
        .map_err(terminal)?;
    Ok(ApiKey::Created(key))
}
