//! The `login_attempts` table.

use sea_orm::entity::prelude::*;

/// A row of `login_attempts`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "login_attempts")]
pub struct Model {
    /// Id.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The email tried, lower case.
    pub email: String,
    /// When.
    pub at: DateTimeUtc,
    /// Whether the password was right (false while it is being checked: an attempt counts
    /// as a failure from the moment it is recorded).
    pub succeeded: bool,
    /// The client's address (the connection's peer IP), when known.
    pub address: Option<String>,
}

/// No relations are navigated: queries filter by keys.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
