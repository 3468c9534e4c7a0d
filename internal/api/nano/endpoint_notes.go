package nano

// endpointNotes record, for docs/nano-endpoints.md, where Kumo answers an
// implemented endpoint differently from Nano, and why.
var endpointNotes = []struct{ endpoints, note string }{
	{"/storage_pools/...", "Kumo keeps VM disks on each host's local file system, so the only storage type is `local`: " +
		"no target means each agent's data directory, an absolute target means that directory on every host of the compute " +
		"pools using the pool (disks go to `<target>/<vm id>/`). `nfs`, `ceph` and any other type are refused with 400 naming " +
		"what is supported; a pool holding VMs cannot change (409), a pool a compute pool uses cannot be deleted (409)."},
	{"/compute_cell_status/{pool}/{cell}/storages/", "GET reports the directory the agent keeps disks in as `system` and `data`, " +
		"with `total_bytes`, `free_bytes` and `used_bytes` of its file system from the last heartbeat. PUT accepts that same path; " +
		"any other answers 409, because an agent's data directory is its `--data-dir` option (a local storage pool puts a compute " +
		"pool's disks elsewhere)."},
	{"/address_pools/...", "Guests have one NIC on QEMU user-mode NAT. Kumo shapes each guest's NAT network to its allocated " +
		"address (QEMU answers as the pool's gateway and hands the address out by DHCP), and writes the address into the NoCloud " +
		"seed as cloud-init network-config, so the guest has it with either provider. Only mode and range type `internal` exist " +
		"(`external` and `both` need a second interface: 400). The gateway is required, must lie in each range's network and " +
		"outside the range. Ranges never overlap, in any pool, so `/address_pools/ranges/{start}` names a range by its start; " +
		"adding one takes its pool as `?pool=NAME` (or `\"pool\"` in the body) and `?type=` (default internal). A pool used by a " +
		"compute pool or with allocated addresses cannot be deleted (409); a guest created when the pool is full gets 409."},
	{"/guests/{id}/security_policy/..., /guests/security_policy/rules/{index}...", "Guests are on QEMU user-mode NAT: no host " +
		"firewall sees their packets, and nothing inbound reaches them. Kumo stores each guest's policy, honours what NAT " +
		"enforces (default `reject`, `reject` rules; a guest without a policy reports exactly that) and refuses with 409 any " +
		"change that would let traffic in (default `accept`, an `accept` rule), rather than store a rule that does nothing. The " +
		"paths without `{id}` take the guest as `?guest=ID` (or `\"guest\"` in the body); without it they answer 400."},
	{"/security_policy_groups/..., /search/security_policy_groups/", "Groups are stored with their ordered rules as given; users " +
		"see global groups and their own (admins all) and change only their own. A guest created with `security_policy_group` " +
		"gets a copy of the group's policy, so the NAT rule above applies then (409 for a group that accepts anything)."},
}
