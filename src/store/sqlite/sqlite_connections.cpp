#include "store/sqlite/sqlite_connections.hpp"

#include <stdexcept>

#include "store/migration_runner.hpp"
#include "store/sqlite/checkpointer.hpp"
#include "store/sqlite/sqlite_db.hpp"
#include "store/sqlite/statement_results.hpp"
#include "store/sqlite/wal_sync.hpp"

namespace latchkey::store::sqlite {

namespace {

// The connections whose batch this thread is running, if any.
thread_local const Connections* t_batch_of = nullptr;

// The writer, for migration_runner.hpp. Each step holds the write lock from
// its start (BEGIN IMMEDIATE): another process cannot migrate in between.
class Migrating final : public MigrationTarget {
 public:
  explicit Migrating(Db& db) : db_(db) {}

  std::int64_t current_version() override {
    check(db_.exec(statements().create_migrations_table.text));
    Statement* cur = db_.prepare(statements().current_version.text);
    check(cur->step());
    const std::int64_t have = cur->int64(0);
    cur->reset();
    return have;
  }
  void begin() override { check(db_.exec("BEGIN IMMEDIATE")); }
  std::optional<std::string> exec(std::string_view script) override {
    if (db_.exec(script) != SQLITE_OK) return db_.last_error();
    return std::nullopt;
  }
  std::string script_of(const Migration& m) const override {
    return std::string(m.sql) + "\n" + std::string(m.sqlite_also);
  }
  std::optional<std::string> record(const Migration& m, UnixSeconds applied_at) override {
    Statement* rec = Calls(db_, "migrate").bound(statements().record_migration,
                                                 static_cast<std::int64_t>(m.version), m.description, applied_at);
    const int rc = rec->step();
    rec->reset();
    if (rc != SQLITE_DONE) return db_.last_error();
    return std::nullopt;
  }
  void commit() override { check(db_.exec("COMMIT")); }
  void rollback() override { db_.exec("ROLLBACK"); }

 private:
  void check(int rc) {
    if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)
      throw std::runtime_error(std::string("database migration failed: ") + db_.last_error());
  }

  Db& db_;
};

}  // namespace

Connections::Connections(const std::string& path) : writer_(std::make_unique<Db>(path)) {
  configure_writer(path);
  Migrating target(*writer_);
  run_migrations(target);
  if (wal_sync_) {
    wal_sync_->written();
    wal_sync_->wait(wal_sync_->last_reserved());
    open_reader(path);
  }
  stats().pool_size.store(reader_ ? 2 : 1, std::memory_order_relaxed);
}

Connections::~Connections() = default;

void Connections::configure_writer(const std::string& path) {
  Db& db = *writer_;
  // busy_timeout first: another process (an admin command) may hold the lock.
  const bool ok = db.exec("PRAGMA busy_timeout = 5000") == SQLITE_OK &&
                  db.exec("PRAGMA journal_mode = WAL") == SQLITE_OK &&
                  db.exec("PRAGMA foreign_keys = ON") == SQLITE_OK;
  if (!ok) throw std::runtime_error("cannot use SQLite database '" + path + "': " + db.last_error());
  Statement* mode = db.prepare("PRAGMA journal_mode");
  const bool wal = mode->step() == SQLITE_ROW && mode->text(0) == "wal";
  mode->reset();
  const std::string file = db.file_name();
  // In WAL mode commits are flushed by group commit (WalSync); otherwise (an
  // in-memory database) each commit syncs itself, if there is anything to sync.
  if (wal && !file.empty()) {
    wal_sync_ = std::make_unique<WalSync>(file + "-wal");
    db.on_commit([this] { wal_sync_->reserve(); });
    checkpointer_ = std::make_unique<Checkpointer>(file);
    db.on_wal_commit([this](int pages) { checkpointer_->wal_size(pages); });
  }
  if (db.exec(wal_sync_ ? "PRAGMA synchronous = NORMAL" : "PRAGMA synchronous = FULL") != SQLITE_OK)
    throw std::runtime_error("cannot use SQLite database '" + path + "': " + db.last_error());
}

void Connections::open_reader(const std::string& path) {
  reader_ = std::make_unique<Db>(writer_->file_name());
  if (reader_->exec("PRAGMA busy_timeout = 5000; PRAGMA query_only = ON") != SQLITE_OK)
    throw std::runtime_error("cannot use SQLite database '" + path + "': " + reader_->last_error());
}

Connections::Access::Access(Connections& c, Use use) : connections_(c) {
  if (t_batch_of == &c) {
    db_ = c.writer_.get();
    return;
  }
  const bool reader = use == Use::read && c.reader_;
  held_ = reader ? &c.reader_mutex_ : &c.writer_mutex_;
  db_ = reader ? c.reader_.get() : c.writer_.get();
  held_->lock();
  commits_before_ = db_->commits();
}

Connections::Access::~Access() {
  if (!held_) return;  // the batch answers for itself
  WalSync* wal = connections_.wal_sync_.get();
  if (wal && db_->commits() != commits_before_) wal->written();
  held_->unlock();
  if (wal) wal->wait(wal->last_reserved());
}

void Connections::begin() {
  writer_mutex_.lock();
  t_batch_of = this;
  if (int rc = writer_->exec("BEGIN IMMEDIATE"); rc != SQLITE_OK) (void)fail(*writer_, rc, "batch");
}

bool Connections::intact() { return writer_->in_transaction(); }

bool Connections::end(bool intact) {
  bool committed = false;
  if (intact) {
    const int rc = writer_->exec("COMMIT");
    committed = rc == SQLITE_OK;
    if (!committed) (void)fail(*writer_, rc, "batch");
  }
  if (writer_->in_transaction()) writer_->exec("ROLLBACK");
  if (wal_sync_) wal_sync_->written();
  t_batch_of = nullptr;
  std::vector<std::function<void(bool)>> after;
  after.swap(after_batch_);
  writer_mutex_.unlock();
  for (auto& f : after) f(committed);
  return committed;
}

void Connections::after_commit(std::function<void(bool committed)> f) {
  if (t_batch_of == this) after_batch_.push_back(std::move(f));
  else f(true);
}

void Connections::when_durable(std::function<void()> done) {
  if (!wal_sync_) return done();
  wal_sync_->when_all_durable(std::move(done));
}

}  // namespace latchkey::store::sqlite
