//! Maintenance and account operations that go through diesel.

use chrono::NaiveDate;
use diesel::pg::PgConnection;
use diesel::prelude::*;
use diesel::sql_types::BigInt;

pub mod schema {
    diesel::table! {
        users (id) {
            id -> Int8,
            email -> Text,
            role -> Text,
            active -> Bool,
            ssn -> Nullable<Text>,
            date_of_birth -> Nullable<Date>,
            passport_number -> Nullable<Text>,
        }
    }

    diesel::table! {
        orders (id) {
            id -> Int8,
            user_id -> Int8,
            status -> Text,
            total_cents -> Int8,
        }
    }

    diesel::table! {
        discount_codes (code) {
            code -> Text,
            percent_off -> Int4,
            max_redemptions -> Int4,
        }
    }
}

use schema::{discount_codes, orders, users};

#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct User {
    pub id: i64,
    pub email: String,
    pub role: String,
    pub active: bool,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = discount_codes)]
pub struct NewDiscountCode<'a> {
    pub code: &'a str,
    pub percent_off: i32,
    pub max_redemptions: i32,
}

pub fn load_active_users(conn: &mut PgConnection, limit: i64) -> QueryResult<Vec<User>> { // expect: lane2
    users::table
        .filter(users::active.eq(true))
        .order(users::id.asc())
        .limit(limit)
        .select(User::as_select())
        .load(conn)
}

pub fn insert_discount_codes(conn: &mut PgConnection, codes: &[NewDiscountCode<'_>]) -> QueryResult<usize> { // expect: lane2
    diesel::insert_into(discount_codes::table)
        .values(codes)
        .on_conflict_do_nothing()
        .execute(conn)
}

pub fn count_orders_by_status(conn: &mut PgConnection) -> QueryResult<Vec<(String, i64)>> { // expect: lane2
    orders::table
        .group_by(orders::status)
        .select((orders::status, diesel::dsl::count_star()))
        .order(orders::status.asc())
        .load(conn)
}

pub fn grant_role(conn: &mut PgConnection, user_id: i64, role: &str) -> QueryResult<()> { // expect: lane3 permission
    let updated = diesel::update(users::table.find(user_id))
        .set(users::role.eq(role))
        .execute(conn)?;
    if updated == 0 {
        return Err(diesel::result::Error::NotFound);
    }
    tracing::info!(user_id, role, "role granted");
    Ok(())
}

/// Hard-deletes a user and their orders. Only used after the 30-day grace
/// period on a closed account has elapsed.
pub fn purge_user(conn: &mut PgConnection, user_id: i64) -> QueryResult<usize> { // expect: lane3 irreversible
    conn.transaction(|conn| {
        diesel::delete(orders::table.filter(orders::user_id.eq(user_id))).execute(conn)?;
        diesel::delete(users::table.find(user_id)).execute(conn)
    })
}

pub fn erase_personal_data(conn: &mut PgConnection, user_id: i64) -> QueryResult<()> { // expect: lane3 compliance
    diesel::update(users::table.find(user_id))
        .set((
            users::ssn.eq(None::<String>),
            users::date_of_birth.eq(None::<NaiveDate>),
            users::passport_number.eq(None::<String>),
            users::email.eq(format!("erased-{user_id}@invalid.example")),
            users::active.eq(false),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn truncate_import_staging(conn: &mut PgConnection) -> QueryResult<()> { // expect: lane3 irreversible
    diesel::sql_query("TRUNCATE TABLE import_staging RESTART IDENTITY").execute(conn)?;
    Ok(())
}

pub fn drop_legacy_tables(conn: &mut PgConnection) -> QueryResult<()> { // expect: lane3 irreversible
    for table in ["legacy_sessions", "legacy_carts", "legacy_wishlists"] {
        diesel::sql_query(format!("DROP TABLE IF EXISTS {table} CASCADE")).execute(conn)?;
        tracing::warn!(table, "legacy table dropped");
    }
    Ok(())
}

/// Holds a Postgres advisory lock for the duration of a migration run so two
/// deploys cannot migrate at the same time.
pub struct MigrationLock<'c> {
    conn: &'c mut PgConnection,
    id: i64,
}

impl<'c> MigrationLock<'c> {
    pub fn acquire(conn: &'c mut PgConnection, id: i64) -> QueryResult<Self> { // expect: lane2
        diesel::sql_query("SELECT pg_advisory_lock($1)")
            .bind::<BigInt, _>(id)
            .execute(conn)?;
        Ok(Self { conn, id })
    }
}

impl Drop for MigrationLock<'_> {
    fn drop(&mut self) { // expect: lane2
        let released = diesel::sql_query("SELECT pg_advisory_unlock($1)")
            .bind::<BigInt, _>(self.id)
            .execute(self.conn);
        if let Err(err) = released {
            tracing::warn!(error = %err, lock = self.id, "failed to release advisory lock");
        }
    }
}
