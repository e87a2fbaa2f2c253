export { checkTarget, type CheckTargetDeps, type EgressTarget, type TargetVerdict } from './check-target.js';
export { classifyAddress, type AddressClass } from './classify-address.js';
export { installEgressFirewall, type EgressFirewall, type InstallEgressFirewallOptions, type RunIptables } from './egress-firewall.js';
export { parseAuthority, startEgressProxy, type EgressProxy, type EgressProxyOptions } from './egress-proxy.js';
export { createHostAddresses } from './host-addresses.js';
export { formatCidr, formatIp, networkContains, parseCidr, parseIp, unmapIpv4, type IpAddress, type IpNetwork } from './ip-address.js';
export { matchesHostPattern } from './match-host-pattern.js';
