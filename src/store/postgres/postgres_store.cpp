#include "store/postgres/postgres_store.hpp"

#include <chrono>
#include <stdexcept>

#include "store/migration_runner.hpp"

namespace latchkey::store::postgres {

namespace {

constexpr auto kPoolWait = std::chrono::milliseconds(1500);
constexpr std::int64_t kMigrationLock = 0x6c6174636b6579;  // "latckey": one migrator at a time

// One connection of its own, for migration_runner.hpp.
class Migrating final : public MigrationTarget {
 public:
  explicit Migrating(PgConnection& conn) : conn_(conn) {}

  std::int64_t current_version() override {
    const sql::Stmt& create = statements().create_migrations_table;
    must(conn_.exec(create.text), "schema_migrations");
    auto have = PgCalls(conn_).query(statements().current_version);
    if (!have) throw std::runtime_error("database migration failed: " + conn_.last_error());
    return have->int64(0, 0);
  }
  void begin() override { must(conn_.exec("BEGIN"), "begin"); }
  std::optional<std::string> exec(std::string_view script) override {
    if (!conn_.exec(script)) return conn_.last_error();
    return std::nullopt;
  }
  std::string script_of(const Migration& m) const override {
    return std::string(m.sql) + "\n" + std::string(m.postgres_also);
  }
  std::optional<std::string> record(const Migration& m, UnixSeconds applied_at) override {
    auto r = PgCalls(conn_).run(statements().record_migration, std::int64_t{m.version}, m.description, applied_at);
    if (!r) return conn_.last_error();
    return std::nullopt;
  }
  void commit() override { must(conn_.exec("COMMIT"), "commit"); }
  void rollback() override { (void)conn_.exec("ROLLBACK"); }

  // Throws when `r` failed, naming the step.
  void must(Result<void> r, const std::string& what) {
    if (!r) throw std::runtime_error("database migration failed (" + what + "): " + conn_.last_error());
  }

 private:
  PgConnection& conn_;
};

// "SELECT pg_advisory_lock(<kMigrationLock>)", or _unlock.
std::string migration_lock(std::string_view function) {
  std::string sql("SELECT ");
  sql.append(function).append("(").append(std::to_string(kMigrationLock)).append(")");
  return sql;
}

// Migrates under a session advisory lock: instances starting together
// migrate once (the others wait, then find nothing to do).
void migrate(const std::string& conninfo) {
  PgConnection conn(conninfo);
  if (!conn.ensure()) throw std::runtime_error("cannot connect to PostgreSQL: " + conn.last_error());
  Migrating target(conn);
  target.must(conn.exec(migration_lock("pg_advisory_lock")), "lock");
  run_migrations(target);
  target.must(conn.exec(migration_lock("pg_advisory_unlock")), "unlock");
}

}  // namespace

PostgresStore::PostgresStore(const std::string& conninfo, std::size_t pool_size)
    : pool_(conninfo, pool_size, kPoolWait), sessions_(pool_, conninfo) {
  migrate(conninfo);
}

}  // namespace latchkey::store::postgres
