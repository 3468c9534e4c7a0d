-- +goose Up
-- DBC dialect state.
-- A host's GPUs (PCI display controllers the agent counts), shown as the
-- GPU node's configuration.
ALTER TABLE hosts ADD COLUMN gpus INTEGER NOT NULL DEFAULT 0;
-- A VM's host port forwards (QEMU user-mode hostfwd), as JSON: DBC's
-- ssh/rdp/custom port mappings.
ALTER TABLE vms ADD COLUMN port_forwards TEXT NOT NULL DEFAULT '';
-- A VM's data disks (beside its system disk), as JSON.
ALTER TABLE vms ADD COLUMN data_disks TEXT NOT NULL DEFAULT '';
-- Session ids issued to DBC renters: the wallet that asked owns the
-- session, and its users prove it with the wallet's signature of the id.
CREATE TABLE dbc_sessions (
	id         TEXT PRIMARY KEY,
	wallet     TEXT NOT NULL,
	created_at BIGINT NOT NULL
);
-- Nonces a wallet has signed once already: a signed nonce is a one-time
-- credential, so a captured request cannot be replayed.
CREATE TABLE dbc_nonces (
	wallet  TEXT NOT NULL,
	nonce   TEXT NOT NULL,
	used_at BIGINT NOT NULL,
	PRIMARY KEY (wallet, nonce)
);

-- +goose Down
DROP TABLE dbc_nonces;
DROP TABLE dbc_sessions;
ALTER TABLE vms DROP COLUMN data_disks;
ALTER TABLE vms DROP COLUMN port_forwards;
ALTER TABLE hosts DROP COLUMN gpus;
