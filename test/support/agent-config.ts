// The UCI config of a `netledger run` test without the namespace lab: a followed dnsmasq log file
// in `dir`, no conntrack, the NDJSON file output, no health or pdns. `dns` holds the dnsmasq
// section's options that a test varies (by default a fixed year and UTC, as the fixtures need).
export function agentConfig(dir: string, sensor: string, o: { dns?: string; ubusLeases?: boolean; extra?: string } = {}): string {
  return `config agent 'main'
	option sensor_id '${sensor}'
	option state_dir '${dir}/state'
	option status_interval '1'
config dnsmasq 'dns'
	option input 'file'
	option file '${dir}/dnsmasq.log'
${o.dns ?? "\toption year '2026'\n\toption utc_offset '+00:00'"}
config conntrack 'flows'
	option enabled '0'
config devices 'devices'
	option leases_file '${dir}/dhcp.leases'
	option ubus_leases '${o.ubusLeases === false ? 0 : 1}'
config output 'out'
	option enabled '1'
	option file '${dir}/events.ndjson'
config streams 'streams'
	option health '0'
	option pdns '0'
${o.extra ?? ''}`;
}
