-- +goose Up
-- Objects the ZStack dialect has and the core has not (accounts' extra
-- data, policies, quotas, prices, scheduler jobs and triggers, LDAP
-- servers, shared resources): one row per object, its fields as JSON.
-- They are read whole and filtered by the q= evaluator, so columns would
-- buy nothing but migrations.
CREATE TABLE zstack_resources (
    kind       TEXT NOT NULL,
    uuid       TEXT NOT NULL,
    body       TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (kind, uuid)
);

-- When each VM was observed running: the base of billing. An open
-- interval has stopped_at 0.
CREATE TABLE vm_run_intervals (
    vm_id      TEXT NOT NULL,
    started_at BIGINT NOT NULL,
    stopped_at BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (vm_id, started_at)
);

-- +goose Down
DROP TABLE vm_run_intervals;
DROP TABLE zstack_resources;
