/**
 * The database schema, one entry per version. Times are milliseconds since the epoch on the
 * server's clock. Never edit an entry that has shipped: add one.
 */
export const MIGRATIONS: readonly string[] = [
  `
  -- One push (webhook or poll) of one commit by one student. Redelivered events of the same
  -- commit find the row already there: a commit is graded once.
  CREATE TABLE submissions (
    id            INTEGER PRIMARY KEY,
    student_id    TEXT    NOT NULL,
    commit_sha    TEXT    NOT NULL,
    branch        TEXT    NOT NULL,
    source        TEXT    NOT NULL,            -- github | gitlab | gitea | forgejo | poll | manual
    delivery_id   TEXT,                        -- the host's delivery id, for tracing
    received_at   INTEGER NOT NULL,            -- the server's receipt time: the late policy uses it
    state         TEXT    NOT NULL CHECK (state IN ('received', 'prepared', 'failed')),
    attempts      INTEGER NOT NULL DEFAULT 0,  -- fetch attempts
    available_at  INTEGER NOT NULL,            -- next fetch attempt (backoff)
    prepared_at   INTEGER,
    fetch_ms      INTEGER,
    notes         TEXT    NOT NULL DEFAULT '[]', -- JSON array: folders skipped and why
    error         TEXT,
    UNIQUE (student_id, commit_sha)
  );
  CREATE INDEX submissions_pending ON submissions (state, available_at);

  -- One assignment folder of one submission to grade.
  CREATE TABLE jobs (
    id            INTEGER PRIMARY KEY,
    submission_id INTEGER NOT NULL REFERENCES submissions (id),
    student_id    TEXT    NOT NULL,
    assignment_id TEXT    NOT NULL,
    commit_sha    TEXT    NOT NULL,
    tree_sha      TEXT    NOT NULL,            -- the folder's git tree: unchanged folders are not regraded
    received_at   INTEGER NOT NULL,
    days_late     INTEGER NOT NULL,
    state         TEXT    NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed', 'superseded')),
    attempts      INTEGER NOT NULL DEFAULT 0,  -- times started
    interruptions INTEGER NOT NULL DEFAULT 0,  -- times found running after a crash
    available_at  INTEGER NOT NULL,
    created_at    INTEGER NOT NULL,
    started_at    INTEGER,
    finished_at   INTEGER,
    runner        TEXT,                        -- local:<pid> | redis
    superseded_by INTEGER REFERENCES jobs (id),
    error_code    TEXT,
    error         TEXT,
    UNIQUE (student_id, assignment_id, commit_sha)
  );
  CREATE INDEX jobs_ready ON jobs (state, available_at);
  CREATE INDEX jobs_student_assignment ON jobs (student_id, assignment_id, state);

  -- Round-robin across students: the claim order of each student's last turn.
  CREATE TABLE turns (
    student_id TEXT PRIMARY KEY,
    last_turn  INTEGER NOT NULL
  );

  -- One stored result per job (a job is never stored twice).
  CREATE TABLE results (
    id              INTEGER PRIMARY KEY,
    job_id          INTEGER NOT NULL UNIQUE REFERENCES jobs (id),
    submission_id   INTEGER NOT NULL REFERENCES submissions (id),
    student_id      TEXT    NOT NULL,
    assignment_id   TEXT    NOT NULL,
    commit_sha      TEXT    NOT NULL,
    tree_sha        TEXT    NOT NULL,
    received_at     INTEGER NOT NULL,
    status          TEXT    NOT NULL,
    score           REAL    NOT NULL,
    max_score       REAL    NOT NULL,
    days_late       INTEGER NOT NULL,
    penalty_percent REAL    NOT NULL,
    final_score     REAL    NOT NULL,          -- score after the late penalty
    backend         TEXT    NOT NULL,
    dataset         TEXT,
    grader_version  TEXT    NOT NULL,
    worker          TEXT    NOT NULL,
    queue_ms        INTEGER NOT NULL,          -- receipt to grading start
    fetch_ms        INTEGER,
    export_ms       INTEGER,
    grade_ms        INTEGER,
    total_ms        INTEGER NOT NULL,          -- receipt to stored
    stored_at       INTEGER NOT NULL,
    result_json     TEXT    NOT NULL           -- the result JSON contract, as graded
  );
  CREATE INDEX results_student ON results (student_id, assignment_id, received_at);

  -- Polling: the last head seen per student.
  CREATE TABLE branch_heads (
    student_id  TEXT PRIMARY KEY,
    commit_sha  TEXT,
    checked_at  INTEGER NOT NULL,
    error       TEXT
  );
  `,
  `
  -- Results a regrade replaced: the job's result row moves here, the new one takes its place.
  CREATE TABLE result_history (
    id              INTEGER PRIMARY KEY,
    result_id       INTEGER NOT NULL,          -- the id it had in results
    job_id          INTEGER NOT NULL REFERENCES jobs (id),
    student_id      TEXT    NOT NULL,
    assignment_id   TEXT    NOT NULL,
    status          TEXT    NOT NULL,
    score           REAL    NOT NULL,
    max_score       REAL    NOT NULL,
    final_score     REAL    NOT NULL,
    grader_version  TEXT    NOT NULL,
    stored_at       INTEGER NOT NULL,
    replaced_at     INTEGER NOT NULL,
    reason          TEXT    NOT NULL,
    result_json     TEXT    NOT NULL
  );
  CREATE INDEX result_history_job ON result_history (job_id, replaced_at);

  -- An instructor's word on a job's score: the latest row counts; score NULL withdraws it.
  -- Rows are never updated or deleted, so the history of overrides stays.
  CREATE TABLE score_overrides (
    id            INTEGER PRIMARY KEY,
    job_id        INTEGER NOT NULL REFERENCES jobs (id),
    student_id    TEXT    NOT NULL,
    assignment_id TEXT    NOT NULL,
    score         REAL,                        -- replaces the final score (after the late penalty)
    comment       TEXT    NOT NULL,
    created_by    TEXT    NOT NULL,
    created_at    INTEGER NOT NULL
  );
  CREATE INDEX score_overrides_job ON score_overrides (job_id, id);

  -- Hidden tests shown to students from this time on (an instructor's action).
  CREATE TABLE hidden_releases (
    assignment_id TEXT PRIMARY KEY,
    released_at   INTEGER NOT NULL,
    released_by   TEXT    NOT NULL
  );
  `,
  `
  -- Why a submission's last fetch failed, as a stable code (REMOTE_UNREACHABLE,
  -- COMMIT_NOT_FOUND, REPO_TOO_LARGE, REPO_CACHE, NOT_IN_ROSTER, INTERNAL): the student's page
  -- shows the error text only when it is about the student's own repository.
  ALTER TABLE submissions ADD COLUMN error_code TEXT;
  `,
  `
  -- Every assignment folder a push carried, graded or not: a folder whose content was already
  -- graded gets no job of its own, yet it is what the student submitted then. The counted
  -- score (grader/store/counted-score.ts) chooses among these, by content, not commit order.
  CREATE TABLE attempts (
    id            INTEGER PRIMARY KEY,
    submission_id INTEGER NOT NULL REFERENCES submissions (id),
    student_id    TEXT    NOT NULL,
    assignment_id TEXT    NOT NULL,
    commit_sha    TEXT    NOT NULL,
    tree_sha      TEXT    NOT NULL,            -- the folder's content
    received_at   INTEGER NOT NULL,            -- the push's receipt time
    accepted      INTEGER NOT NULL,            -- 0: after the hard cutoff, never counts
    UNIQUE (submission_id, assignment_id)
  );
  CREATE INDEX attempts_student ON attempts (student_id, assignment_id, received_at);
  INSERT INTO attempts (submission_id, student_id, assignment_id, commit_sha, tree_sha, received_at, accepted)
    SELECT submission_id, student_id, assignment_id, commit_sha, tree_sha, received_at, 1 FROM jobs;
  CREATE INDEX results_tree ON results (student_id, assignment_id, tree_sha);
  `,
  `
  -- Personal instructor and TA tokens (grader token add/list/revoke). Only a SHA-256 of each
  -- token is kept; a revoked token stays as a row, so who did what keeps a name.
  CREATE TABLE staff_tokens (
    id            INTEGER PRIMARY KEY,
    name          TEXT    NOT NULL,
    role          TEXT    NOT NULL CHECK (role IN ('instructor', 'ta')),
    token_hash    TEXT    NOT NULL UNIQUE,
    created_at    INTEGER NOT NULL,
    revoked_at    INTEGER,
    last_used_at  INTEGER
  );
  CREATE UNIQUE INDEX staff_tokens_active_name ON staff_tokens (name) WHERE revoked_at IS NULL;
  `,
];
