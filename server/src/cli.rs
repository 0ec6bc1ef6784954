//! What the command-line subcommands do, apart from parsing arguments.

use platform::accounts::{self, NewUser};
use platform::entities::{organisation, user};
use platform::error::ApiError;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};

/// Creates a user in the named organisation; errors are phrased for a terminal.
pub async fn create_user(
    db: &DatabaseConnection,
    email: &str,
    role: &str,
    organisation: Option<&str>,
    password: String,
) -> anyhow::Result<user::Model> {
    let organisation_id = match organisation {
        None => None,
        Some(name) => Some(
            organisation::Entity::find()
                .filter(organisation::Column::Name.eq(name))
                .one(db)
                .await?
                .ok_or_else(|| anyhow::anyhow!("no organisation named `{name}`"))?
                .id,
        ),
    };
    let new = NewUser {
        email: email.into(),
        password,
        role: role.into(),
        organisation_id,
    };
    accounts::create_user(db, &platform::audit::Actor::system(), new)
        .await
        .map_err(terminal)
}

/// An API error phrased for a terminal: validation details as `field: message`.
pub fn terminal(e: ApiError) -> anyhow::Error {
    match e {
        ApiError::Validation(details) => anyhow::anyhow!(
            "{}",
            details
                .iter()
                .map(|d| format!("{}: {}", d.path.trim_start_matches("$."), d.message))
                .collect::<Vec<_>>()
                .join("; ")
        ),
        other => anyhow::anyhow!("{other}"),
    }
}
