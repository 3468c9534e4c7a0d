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
-- A VM's network filters (DBC security group rules), as JSON.
ALTER TABLE vms ADD COLUMN network_filters TEXT NOT NULL DEFAULT '';
-- A VM's multicast segments (DBC's multicast addresses), as JSON.
ALTER TABLE vms ADD COLUMN multicast TEXT NOT NULL DEFAULT '';
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
-- LANs: isolated layer-2 segments between VMs of one host. Each is a
-- QEMU socket netdev on its own multicast group and port, which the VMs'
-- second NICs join.
CREATE TABLE lans (
	name        TEXT PRIMARY KEY,
	cidr        TEXT NOT NULL,
	host_id     TEXT NOT NULL REFERENCES hosts(id),
	owner       TEXT NOT NULL,
	mcast_group TEXT NOT NULL,
	mcast_port  INTEGER NOT NULL,
	created_at  BIGINT NOT NULL,
	UNIQUE (mcast_group, mcast_port)
);
-- A VM's membership of a LAN (one at most) lives as long as the VM; a LAN
-- with members cannot be deleted.
CREATE TABLE lan_members (
	vm_id    TEXT PRIMARY KEY REFERENCES vms(id) ON DELETE CASCADE,
	lan_name TEXT NOT NULL REFERENCES lans(name),
	address  TEXT NOT NULL,
	UNIQUE (lan_name, address)
);
-- Bare metal machines controlled through their BMC. The IPMI password
-- is kept as given: it is needed to talk to the BMC.
CREATE TABLE bare_metals (
	id            TEXT PRIMARY KEY,
	uuid          TEXT NOT NULL UNIQUE,
	ip            TEXT NOT NULL,
	os            TEXT NOT NULL DEFAULT '',
	description   TEXT NOT NULL DEFAULT '',
	ipmi_host     TEXT NOT NULL,
	ipmi_user     TEXT NOT NULL,
	ipmi_password TEXT NOT NULL,
	owner         TEXT NOT NULL,
	created_at    BIGINT NOT NULL
);

-- +goose Down
DROP TABLE bare_metals;
DROP TABLE lan_members;
DROP TABLE lans;
DROP TABLE dbc_nonces;
DROP TABLE dbc_sessions;
ALTER TABLE vms DROP COLUMN multicast;
ALTER TABLE vms DROP COLUMN network_filters;
ALTER TABLE vms DROP COLUMN data_disks;
ALTER TABLE vms DROP COLUMN port_forwards;
ALTER TABLE hosts DROP COLUMN gpus;
